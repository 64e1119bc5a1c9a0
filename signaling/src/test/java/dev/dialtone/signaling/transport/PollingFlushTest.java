package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.OutPacketMessage;
import com.corundumstudio.socketio.namespace.Namespace;
import com.corundumstudio.socketio.protocol.Packet;
import com.corundumstudio.socketio.protocol.PacketType;
import com.corundumstudio.socketio.transport.NamespaceClient;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PollingFlushTest {

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final PendingPolls polls = new PendingPolls(Duration.ofSeconds(45));
    private final ClientHead head = EmbeddedPolls.session("4");
    private final NamespaceClient client = head.addNamespaceClient(new Namespace("", new Configuration()));

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    @Test
    void aPacketLeftQueuedWhileItsPollWasNotBoundIsWrittenToThatPoll() throws InterruptedException {
        EmbeddedChannel poll = new EmbeddedChannel(polls);
        FullHttpRequest request = EmbeddedPolls.get("/socket.io/?EIO=4&transport=polling&sid=" + head.getSessionId());
        poll.writeInbound(request);
        // a send that missed the binding: queued, no poll bound
        head.getPacketsQueue(Transport.POLLING).add(new Packet(PacketType.MESSAGE, head.getEngineIOVersion()));

        new PollingFlush(timers, polls).after(client);

        Object written = null;
        for (long until = System.nanoTime() + 5_000_000_000L; written == null && System.nanoTime() < until; ) {
            Thread.sleep(10);
            written = poll.readOutbound();
        }
        OutPacketMessage out = assertInstanceOf(OutPacketMessage.class, written, "the queue is written to the newest poll");
        assertEquals(head, out.getClientHead());
        assertTrue(head.isTransportChannel(poll, Transport.POLLING));
        poll.finishAndReleaseAll();
    }
}
