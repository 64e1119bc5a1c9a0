package dev.dialtone.signaling;

import com.corundumstudio.socketio.SocketIOChannelInitializer;
import com.corundumstudio.socketio.handler.ClientHead;
import com.corundumstudio.socketio.messages.PacketsMessage;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On Redis, admitting a socket means registering it there, and that must be done before
 * netty-socketio acknowledges its CONNECT (a connected client can be called at once). netty-socketio
 * asks its auth listener on the event loop and waits for the answer, so the Redis work cannot
 * happen there. Instead, until a socket is admitted, its packets are held here and handed to
 * {@link SessionWork}, in order: off the event loop, {@code admission} decides on the CONNECT they
 * carry (token, then Redis); then the packets go on down the pipeline on the channel's own loop,
 * where the auth listener finds the decision made. Admitted sockets pass straight through.
 *
 * <p>Works around netty-socketio running its listeners, the auth listener included, on the event
 * loop and taking their answer synchronously (mrniko/netty-socketio#861: slow listeners make
 * clients time out); it can go when an auth listener may answer later.
 */
@Sharable
final class DeferredAdmission extends ChannelInboundHandlerAdapter {

    /** What the held packets of a socket need from the server. */
    interface Admission {
        /** Decides on the CONNECT of {@code client} with {@code authData} (null: none given); may wait for Redis. */
        void decide(ClientHead client, Object authData);

        /** The socket went away before its CONNECT was handled: undo what {@link #decide} did. */
        void abandon(UUID socket);
    }

    private static final Logger log = LoggerFactory.getLogger(DeferredAdmission.class);
    private static final String SEPARATOR = "\u001e";
    private static final String CONNECT = "40";
    /** Longest wait for the event loop to take held packets; it only waits when it is shutting down. */
    private static final long HANDOVER_SECONDS = 10;
    /**
     * Most bytes held for one socket not admitted yet (its first message is always taken): a CONNECT
     * and a few pongs are tiny; beyond this the socket is closed rather than buffered.
     */
    static final long MAX_HELD_BYTES = 1 << 20;

    private final Predicate<UUID> admitted;
    private final SessionWork work;
    private final Admission admission;
    private final ObjectMapper json = new ObjectMapper();
    /** Sockets with packets held, and their size (bytes + 1 per message); later ones queue behind. */
    private final Map<UUID, Long> held = new ConcurrentHashMap<>();
    /** Sockets whose CONNECT is being decided. */
    private final Set<UUID> deciding = ConcurrentHashMap.newKeySet();

    DeferredAdmission(Predicate<UUID> admitted, SessionWork work, Admission admission) {
        this.admitted = admitted;
        this.work = work;
        this.admission = admission;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof PacketsMessage packets)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ClientHead client = packets.getClient();
        UUID socket = client.getSessionId();
        if (admitted.test(socket) && !held.containsKey(socket)) {
            ctx.fireChannelRead(msg);
            return;
        }
        // the transport releases its buffer when this returns
        ByteBuf copy = Unpooled.copiedBuffer(packets.getContent());
        PacketsMessage later = new PacketsMessage(client, copy, packets.getTransport());
        ConnectAuth connect = connectIn(copy);
        if (connect != null) {
            deciding.add(socket);
        }
        if (deciding.contains(socket)) {
            // netty-socketio takes a pong only from a socket whose CONNECT it has handled: while Redis
            // decides, what the client sends shows it is alive, as a pong would
            client.schedulePingTimeout();
        }
        ChannelHandler[] downstream = downstream(ctx);
        long size = copy.readableBytes() + 1L;
        if (!hold(socket, size)) {
            copy.release();
            log.info("socket {} sent more than {} bytes before it was admitted: closing it", socket, MAX_HELD_BYTES);
            client.disconnect();
            return;
        }
        boolean queued = work.submit(socket, () -> {
            try {
                if (connect != null) {
                    admission.decide(client, connect.authData());
                }
            } finally {
                if (connect != null) {
                    deciding.remove(socket);
                }
                if (!handOver(ctx, downstream, later, size)) {
                    admission.abandon(socket);
                }
            }
        });
        if (!queued) {
            release(socket, copy, size);
            log.info("socket {} sent more than {} messages before it was admitted: closing it", socket,
                    SessionWork.MAX_WAITING);
            client.disconnect();
        }
    }

    /**
     * Passes held packets on, on the channel's loop, and waits for that: the socket's next work
     * (events they carry, later packets) must come after. False when the client went away meanwhile.
     */
    private boolean handOver(ChannelHandlerContext ctx, ChannelHandler[] downstream, PacketsMessage later, long size) {
        UUID socket = later.getClient().getSessionId();
        try {
            Future<Boolean> passed = ctx.executor().submit(() -> {
                try {
                    if (!later.getClient().isConnected()) {
                        return false;
                    }
                    if (!ctx.isRemoved()) {
                        ctx.fireChannelRead(later);
                    } else {
                        // a polling POST is answered at once and its connection closed: its pipeline
                        // is gone, so the packets go through the same handlers on a stand-in channel
                        EmbeddedChannel standIn = new EmbeddedChannel(downstream);
                        standIn.writeInbound(later);
                        standIn.close();
                    }
                    return true;
                } finally {
                    release(socket, later.getContent(), size);
                }
            });
            return passed.awaitUninterruptibly(HANDOVER_SECONDS, TimeUnit.SECONDS) && Boolean.TRUE.equals(passed.getNow());
        } catch (RejectedExecutionException e) {
            release(socket, later.getContent(), size);
            return false;
        }
    }

    /** The handlers after this one up to netty-socketio's packet handler (all sharable). */
    private static ChannelHandler[] downstream(ChannelHandlerContext ctx) {
        List<String> names = ctx.pipeline().names();
        List<String> after = names.subList(names.indexOf(ctx.name()) + 1,
                names.indexOf(SocketIOChannelInitializer.PACKET_HANDLER) + 1);
        return after.stream().map(ctx.pipeline()::get).toArray(ChannelHandler[]::new);
    }

    /** Counts {@code size} more held for {@code socket}; false when that would pass the bound. */
    private boolean hold(UUID socket, long size) {
        boolean[] taken = {true};
        held.compute(socket, (s, n) -> {
            if (n != null && n + size > MAX_HELD_BYTES) {
                taken[0] = false;
                return n;
            }
            return n == null ? size : n + size;
        });
        return taken[0];
    }

    private void release(UUID socket, ByteBuf content, long size) {
        content.release();
        held.computeIfPresent(socket, (s, n) -> n == size ? null : n - size);
    }

    /** The auth data of the first default-namespace CONNECT in the packets, or null if they carry none. */
    private ConnectAuth connectIn(ByteBuf content) {
        for (String packet : content.toString(StandardCharsets.UTF_8).split(SEPARATOR, -1)) {
            if (packet.equals(CONNECT)) {
                return new ConnectAuth(null);
            }
            if (packet.startsWith(CONNECT + "{")) {
                try {
                    return new ConnectAuth(json.readValue(packet.substring(CONNECT.length()), Object.class));
                } catch (IOException e) {
                    // netty-socketio's decoder refuses it too, with its own error
                    return new ConnectAuth(null);
                }
            }
        }
        return null;
    }

    /** A CONNECT's auth data, null when it has none. */
    private record ConnectAuth(Object authData) {
    }
}
