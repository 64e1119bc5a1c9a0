package dev.dialtone.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.corundumstudio.socketio.SocketIOChannelInitializer;
import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.PacketsMessage;
import com.corundumstudio.socketio.scheduler.HashedWheelScheduler;
import dev.dialtone.signaling.transport.EmbeddedPolls;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DeferredAdmission in a real Netty pipeline (local channels, one event loop) in front of a
 * stand-in for netty-socketio's packet handler: a CONNECT is decided off the loop before any packet
 * of its socket goes on, in order and on the loop; admitted sockets pass straight through; packets
 * whose channel closed meanwhile (a polling POST) still reach the packet handler.
 */
class DeferredAdmissionTest {

    private static final long WAIT_S = 30;

    private final DefaultEventLoopGroup loops = new DefaultEventLoopGroup(1);
    private final HashedWheelScheduler scheduler = new HashedWheelScheduler();
    private final SessionWork work = SessionWork.ordered();
    private final Set<UUID> admitted = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Object> decisions = new LinkedBlockingQueue<>();
    private final List<Thread> decidedOn = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch redisAnswers = new CountDownLatch(1);
    private final List<String> passed = Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> passedOn = Collections.synchronizedList(new ArrayList<>());
    private final ClientHead session = EmbeddedPolls.session("4", scheduler);
    private Channel server;
    private Channel serverSide;
    private Channel clientSide;
    private Thread loop;

    /** Stands for netty-socketio's packet handler: notes what reaches it and on which thread. */
    @Sharable
    private final class PacketHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            passed.add(((PacketsMessage) msg).getContent().toString(StandardCharsets.UTF_8));
            passedOn.add(Thread.currentThread());
        }
    }

    @BeforeEach
    void pipeline() throws Exception {
        DeferredAdmission admission = new DeferredAdmission(admitted::contains, work, new DeferredAdmission.Admission() {
            @Override
            public void decide(ClientHead client, Object authData) {
                decidedOn.add(Thread.currentThread());
                decisions.add(authData == null ? "none" : authData);
                try {
                    redisAnswers.await(WAIT_S, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                admitted.add(client.getSessionId());
            }

            @Override
            public void abandon(UUID socket) {
                decisions.add("abandoned");
            }
        });
        PacketHandler packets = new PacketHandler();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        LocalAddress address = new LocalAddress("deferred-admission-" + UUID.randomUUID());
        server = new ServerBootstrap().group(loops).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        ch.pipeline().addLast("dialtoneDeferredAdmission", admission)
                                .addLast(SocketIOChannelInitializer.PACKET_HANDLER, packets);
                        accepted.complete(ch);
                    }
                }).bind(address).sync().channel();
        clientSide = new Bootstrap().group(loops).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
        serverSide = accepted.get(WAIT_S, TimeUnit.SECONDS);
        loop = serverSide.eventLoop().submit(Thread::currentThread).get(WAIT_S, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        redisAnswers.countDown();
        clientSide.close().sync();
        server.close().sync();
        work.close();
        scheduler.shutdown();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Sends packets of the session and returns once the server side has read them. */
    private void send(String packets) throws Exception {
        clientSide.writeAndFlush(new PacketsMessage(session,
                Unpooled.copiedBuffer(packets, StandardCharsets.UTF_8), Transport.WEBSOCKET)).sync();
        // one loop thread: a task submitted now runs after the read the write scheduled
        serverSide.eventLoop().submit(() -> { }).get(WAIT_S, TimeUnit.SECONDS);
    }

    @Test
    void aConnectIsDecidedOffTheLoopAndItsSocketsPacketsGoOnAfterInOrder() throws Exception {
        send("40{\"token\":\"t-1\"}");
        assertEquals(Map.of("token", "t-1"), decisions.poll(WAIT_S, TimeUnit.SECONDS));
        // while Redis decides: a pong and an event of the same socket wait behind the CONNECT
        send("3");
        send("42[\"checkOnline\",{\"userIds\":[\"u\"]}]");
        assertEquals(List.of(), passed, "nothing passes before the decision");
        assertTrue(work.isBusy(session.getSessionId()));
        redisAnswers.countDown();
        await(() -> passed.size() == 3);
        assertEquals(List.of("40{\"token\":\"t-1\"}", "3", "42[\"checkOnline\",{\"userIds\":[\"u\"]}]"), passed);
        passedOn.forEach(t -> assertEquals(loop, t, "packets go on on the channel's loop"));
        assertNotEquals(loop, decidedOn.get(0), "decided off the loop");

        // admitted now: straight through, nothing decided again
        send("42[\"getIceServers\",{}]");
        await(() -> passed.size() == 4);
        assertEquals("42[\"getIceServers\",{}]", passed.get(3));
        assertEquals(1, decidedOn.size());
    }

    @Test
    void aBareConnectIsDecidedWithNoAuthData() throws Exception {
        send("40");
        assertEquals("none", decisions.poll(WAIT_S, TimeUnit.SECONDS));
        redisAnswers.countDown();
        await(() -> passed.size() == 1);
        assertEquals(List.of("40"), passed);
    }

    @Test
    void packetsWhoseChannelClosedMeanwhileStillReachThePacketHandler() throws Exception {
        send("40{\"token\":\"t-2\"}");
        assertEquals(Map.of("token", "t-2"), decisions.poll(WAIT_S, TimeUnit.SECONDS));
        // a polling POST is answered and closed at once; its pipeline is emptied when it deregisters
        serverSide.close().sync();
        await(() -> serverSide.pipeline().get("dialtoneDeferredAdmission") == null);
        redisAnswers.countDown();
        await(() -> passed.size() == 1);
        assertEquals(List.of("40{\"token\":\"t-2\"}"), passed);
        assertEquals(loop, passedOn.get(0));
        assertTrue(decisions.isEmpty(), "not abandoned: the session is still connected");
    }

    @Test
    void aSocketSendingTooMuchBeforeItIsAdmittedIsClosedAndItsRegistrationUndone() throws Exception {
        send("40{\"token\":\"t-3\"}");
        assertEquals(Map.of("token", "t-3"), decisions.poll(WAIT_S, TimeUnit.SECONDS));
        String big = "42[\"iceCandidate\",\"" + "x".repeat((int) (DeferredAdmission.MAX_HELD_BYTES / 2)) + "\"]";
        send(big);
        assertTrue(session.isConnected(), "half the bound is held");
        send(big);
        assertFalse(session.isConnected(), "past the bound the socket is closed");
        redisAnswers.countDown();
        assertEquals("abandoned", decisions.poll(WAIT_S, TimeUnit.SECONDS), "what the decision registered is undone");
        assertEquals(List.of(), passed, "nothing of a closed socket goes on");
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within " + WAIT_S + " s");
            Thread.sleep(5);
        }
    }
}
