package dev.dialtone.server.edge;

import dev.dialtone.relay.server.TlsEngine;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS of an edge connection handed to the signaling server's event loop: the engine the edge
 * handshook on the connection's virtual thread ({@link EdgeTls}) goes on, with whatever it read
 * and has not yet given out, decrypting what arrives and sealing what the pipeline writes.
 * Netty's {@code SslHandler} would begin a handshake of its own on an engine whose handshake is
 * over (in TLS 1.2, a renegotiation the client did not ask for).
 *
 * <p>Only {@link ByteBuf}s pass outwards: anything else is refused rather than sent in clear.
 */
final class EdgeTlsHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(EdgeTlsHandler.class);
    /** Plaintext taken from the engine at a time: a 4 KB offer and its framing in one read. */
    private static final int PLAIN_CHUNK = 8 * 1024;

    private final TlsEngine engine;
    private final Ciphertext arrived = new Ciphertext();

    EdgeTlsHandler(TlsEngine engine) {
        this.engine = engine;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        decrypt(ctx); // what the engine read during the first flight and has not yet given out
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf cipher)) {
            ctx.fireChannelRead(msg);
            return;
        }
        arrived.buffer = cipher;
        try {
            decrypt(ctx);
        } finally {
            arrived.buffer = null;
            cipher.release();
        }
    }

    /** Passes on all the plaintext the engine can make of what it holds and {@link #arrived} gives. */
    private void decrypt(ChannelHandlerContext ctx) {
        boolean answered = false;
        try {
            // a plaintext buffer is taken only when there is something to decrypt
            while (arrived.readable() || engine.holdsInput()) {
                ByteBuf plain = ctx.alloc().buffer(PLAIN_CHUNK);
                int n;
                try {
                    n = engine.read(arrived, plain.nioBuffer(0, plain.capacity()), record -> {
                        ctx.write(ctx.alloc().buffer(record.remaining()).writeBytes(record)); // a post-handshake message
                    });
                } catch (IOException | RuntimeException e) {
                    plain.release();
                    throw e;
                }
                if (n <= 0) {
                    plain.release();
                    if (n < 0) {
                        ctx.close();
                    }
                    return;
                }
                answered = true;
                ctx.fireChannelRead(plain.writerIndex(n));
            }
        } catch (IOException e) {
            log.debug("edge: TLS from {} failed: {}", ctx.channel().remoteAddress(), e.toString());
            ctx.close();
        } finally {
            if (answered) {
                ctx.fireChannelReadComplete();
            }
            ctx.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // fired by decrypt() for what it passed on; one for a read that made no plaintext would
        // have netty-socketio's handlers flush for nothing
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf plain)) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class));
            return;
        }
        ByteBuf sealed = ctx.alloc().buffer(TlsEngine.sealedSize(plain.readableBytes()));
        try {
            engine.seal(plain.nioBuffer(), sealed::writeBytes);
        } catch (IOException | RuntimeException e) {
            sealed.release();
            promise.setFailure(e);
            return;
        } finally {
            plain.release();
        }
        ctx.write(sealed, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ByteBuf alert = ctx.alloc().buffer(TlsEngine.sealedSize(0));
        try {
            engine.closeOutbound(alert::writeBytes); // so that the client knows the response was not cut short
            ctx.writeAndFlush(alert);
        } catch (IOException | RuntimeException e) {
            alert.release(); // the connection is going anyway
        }
        ctx.close(promise);
    }

    /** The ciphertext of the read being handled, as the engine reads it: never blocks, never ends. */
    private static final class Ciphertext implements ReadableByteChannel {

        ByteBuf buffer;

        boolean readable() {
            return buffer != null && buffer.isReadable();
        }

        @Override
        public int read(ByteBuffer into) {
            int n = buffer == null ? 0 : Math.min(into.remaining(), buffer.readableBytes());
            if (n > 0) {
                buffer.readBytes(into.slice(into.position(), n));
                into.position(into.position() + n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // the channel's to close
        }
    }
}
