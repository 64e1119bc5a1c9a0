package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

class ConnectionCloseTest {

    @Test
    void aResponseWrittenAsNettySocketioDoesSaysCloseAndTheConnectionClosesAfterIt() {
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectionClose());
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        channel.write(response);
        channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[] {'6'})));
        assertTrue(channel.isOpen(), "open until the response is complete");
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);

        HttpResponse written = channel.readOutbound();
        assertEquals("close", written.headers().get(HttpHeaderNames.CONNECTION));
        assertFalse(channel.isOpen(), "closed once the response is written");
        channel.finishAndReleaseAll();
    }

    @Test
    void theWebsocketUpgradeIsLeftAlone() {
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectionClose());
        HttpResponse upgrade = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
        upgrade.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        channel.writeAndFlush(upgrade);
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);

        HttpResponse written = channel.readOutbound();
        assertEquals("upgrade", written.headers().get(HttpHeaderNames.CONNECTION));
        assertTrue(channel.isOpen());
        assertEquals(LastHttpContent.EMPTY_LAST_CONTENT, channel.readOutbound());
        assertNull(channel.readOutbound());
        channel.finishAndReleaseAll();
    }
}
