package dev.dialtone.server.edge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.dialtone.relay.server.TlsContexts;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An edge connection handed to a Netty event loop after the edge handshook and read its first bytes
 * on a blocking socket, as Socket.IO connections are: real sockets, the JDK's TLS client.
 */
class EdgeTlsHandlerTest {

    /** What the edge reads before it hands over: a request head's worth, less than the first record. */
    private static final int READ_BEFORE = 100;

    private final NioEventLoopGroup loop = new NioEventLoopGroup(1);
    private ServerSocketChannel listener;

    @BeforeEach
    void listen() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * The first record is 5,000 bytes: the edge takes 100, the engine keeps the rest, and the client
     * waits for all 5,000 to come back before it sends more; then a megabyte in pieces of every size
     * while the echo comes back. Every byte comes back once, in order.
     */
    @Test
    void whatTheEdgeAndItsEngineReadComesFirstAndTlsGoesOnOnTheLoop() throws Exception {
        byte[] up = new byte[1 << 20];
        new Random(11).nextBytes(up);
        CompletableFuture<byte[]> client = TestTlsClient.connect(listener.socket().getLocalPort(), socket -> {
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] echoed = new byte[up.length];
            out.write(up, 0, 5000);
            in.readFully(echoed, 0, 5000);
            Thread writer = Thread.ofVirtual().start(() -> {
                Random sizes = new Random(12);
                try {
                    for (int i = 5000; i < up.length; ) {
                        int n = Math.min(1 + sizes.nextInt(20_000), up.length - i);
                        out.write(up, i, n);
                        i += n;
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            in.readFully(echoed, 5000, up.length - 5000);
            writer.join();
            return echoed;
        });
        Socket accepted = listener.socket().accept();
        Channel channel = handOver(accepted, new Echo());
        try {
            assertArrayEquals(up, client.get(30, TimeUnit.SECONDS));
        } finally {
            channel.close().syncUninterruptibly();
        }
    }

    /** Anything but bytes would leave in clear past the TLS: it is refused, and TLS goes on. */
    @Test
    void aWriteOfAnythingButBytesFailsAndNothingLeavesInClear() throws Exception {
        byte[] hello = "hello, edge".getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<byte[]> client = TestTlsClient.connect(listener.socket().getLocalPort(), socket -> {
            socket.getOutputStream().write(Arrays.copyOf(hello, READ_BEFORE));
            byte[] echoed = new byte[READ_BEFORE];
            new DataInputStream(socket.getInputStream()).readFully(echoed);
            return echoed;
        });
        Socket accepted = listener.socket().accept();
        Channel channel = handOver(accepted, new Echo());
        try {
            ChannelFuture text = channel.writeAndFlush("in clear").awaitUninterruptibly();
            assertInstanceOf(UnsupportedMessageTypeException.class, text.cause());
            assertArrayEquals(Arrays.copyOf(hello, READ_BEFORE), client.get(10, TimeUnit.SECONDS));
        } finally {
            channel.close().syncUninterruptibly();
        }
    }

    /** As the edge does: handshake and read {@link #READ_BEFORE} bytes on this thread, then the loop takes it. */
    private Channel handOver(Socket accepted, Echo echo) throws Exception {
        FirstBytes first = FirstBytes.read(accepted.getInputStream());
        assertEquals(FirstBytes.Protocol.TLS, first.protocol());
        EdgeTls tls = EdgeTls.handshake(accepted, first.bytes(), TlsContexts.selfSigned("edge.test"), offered -> null);
        byte[] head = new DataInputStream(tls.input()).readNBytes(READ_BEFORE);
        NioSocketChannel channel = new NioSocketChannel(accepted.getChannel());
        channel.pipeline().addLast(new EdgeTlsHandler(tls.engine()), new AlreadyRead(head), echo);
        loop.register(channel).syncUninterruptibly();
        return channel;
    }

    /** Writes back what it reads. */
    private static final class Echo extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

}
