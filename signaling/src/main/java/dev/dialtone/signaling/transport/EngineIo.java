package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.AckRequest;
import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.SocketIOChannelInitializer;
import com.corundumstudio.socketio.SocketIOClient;
import com.corundumstudio.socketio.SocketIONamespace;
import com.corundumstudio.socketio.SocketIOServer;
import com.corundumstudio.socketio.protocol.PacketEncoder;
import com.corundumstudio.socketio.scheduler.CancelableScheduler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.lang.reflect.Field;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one seam between Dialtone and netty-socketio 2.0.14's transport: every patch for a gap of
 * the library is installed, fed and forgotten here, so that the call logic sends an event or an
 * ack in one call and never knows about polling, Engine.IO versions or a session's side state.
 * Each patch names the upstream issue it works around; delete it when the library closes that.
 * <ul>
 *   <li>{@link ConnectGate}: a CONNECT without auth data skips the auth listener (netty-socketio
 *       issue 1067), and nothing runs once a CONNECT is acknowledged;</li>
 *   <li>events of sockets that never authenticated are dispatched all the same: {@link #on} runs a
 *       listener for authenticated sockets only (issue 1067 again: the listener that should have
 *       refused them never ran);</li>
 *   <li>{@link PollingFlush}: a packet sent while a poll is being bound stays queued until the
 *       next ping (netty-socketio issues 130 and 599);</li>
 *   <li>{@link UpgradeUnblocker}: one NOOP during the polling → websocket upgrade leaves a second
 *       poll waiting for the ping interval (no upstream issue; python-engineio pull request 76
 *       describes the same fix);</li>
 *   <li>{@link ConnectionClose}: polling responses say keep-alive, then close (no upstream issue
 *       found; engine.io issue 20 is the requirement);</li>
 *   <li>{@link PendingPolls}: a poll waiting when its session ends is never answered
 *       (netty-socketio issue 674; engine.io issue 275 is the fix Node made);</li>
 *   <li>{@link EngineIoVersionGate}: EIO=3 clients are connected without the auth listener
 *       (issue 1067), other versions served with the wrong framing;</li>
 *   <li>{@link Eio3PayloadLengths} and {@link Eio3PollingEncoder}: EIO=3 polling payloads counted
 *       in bytes or code points instead of UTF-16 units (netty-socketio issues 754 and 566);</li>
 *   <li>{@link RefreshedTimeouts}: a socket's ping timeout is replaced on every packet it sends
 *       (no upstream issue; engine.io pull request 628 is the same change in Node);</li>
 *   <li>{@link #install}: the pipeline factory it replaces holds a timer nobody releases, which
 *       Netty's leak detector reports as an ERROR once collected (netty-socketio issue 741).</li>
 *   <li>{@link #adopt}: the server cannot be handed a connection accepted elsewhere (no upstream
 *       issue): its event loops are a private field.</li>
 * </ul>
 */
public final class EngineIo {

    private static final Logger log = LoggerFactory.getLogger(EngineIo.class);
    /** {@code SocketIOServer.workerGroup}, for {@link #adopt}; null when this netty-socketio has no such field. */
    private static final Field SERVER_WORKERS = serverWorkers();

    /** What one event does for a socket whose user is known. */
    @FunctionalInterface
    public interface AuthenticatedListener {
        void onEvent(SocketIOClient client, String userId, Object payload, AckRequest ack);
    }

    private final Function<UUID, String> userOf;
    private final ConnectGate connectGate;
    private final UpgradeUnblocker upgrades;
    private final PendingPolls polls;
    private final PollingFlush flush;
    private final ConnectionClose connectionClose = new ConnectionClose();
    private final EngineIoVersionGate versions;
    private final Eio3PayloadLengths eio3Lengths = new Eio3PayloadLengths();
    private final Eio3PollingEncoder eio3Encoder;
    /** The server and the pipeline factory {@link #install} gave it: what {@link #adopt} serves with. */
    private volatile SocketIOServer server;
    private volatile SocketIOChannelInitializer pipelineFactory;

    /**
     * @param socketIo      the server's configuration (ping interval and timeout, path, JSON)
     * @param allowEio3     whether Engine.IO v3 (Socket.IO v2) clients are served
     * @param timers        where delayed flushes run
     * @param userOf        the user a socket authenticated as, or null
     * @param admitted      whether a socket's CONNECT may be acknowledged as it is: registered and
     *                      not waiting to be greeted
     * @param onAcknowledged runs for a socket not yet authenticated after each batch of its packets:
     *                      once its CONNECT is acknowledged, it may be greeted
     * @param onUpgraded    runs for each long-polling session upgraded to a websocket
     */
    public EngineIo(Configuration socketIo, boolean allowEio3, ScheduledExecutorService timers,
                    Function<UUID, String> userOf, Predicate<UUID> admitted, Consumer<UUID> onAcknowledged,
                    Runnable onUpgraded) {
        this.userOf = userOf;
        this.upgrades = new UpgradeUnblocker(onUpgraded);
        this.connectGate = new ConnectGate(admitted, onAcknowledged);
        this.polls = new PendingPolls(Duration.ofMillis(socketIo.getPingInterval() + socketIo.getPingTimeout()));
        this.flush = new PollingFlush(timers, polls);
        this.versions = new EngineIoVersionGate(socketIo.getContext() + "/", allowEio3);
        this.eio3Encoder = new Eio3PollingEncoder(new PacketEncoder(socketIo, socketIo.getJsonSupport()));
    }

    /**
     * Puts the patches into the pipeline of every connection {@code server} accepts, and
     * {@code admission}, when not null, just before the CONNECT gate (it decides CONNECTs off the
     * event loop where registering a socket waits for Redis).
     */
    public void install(SocketIOServer server, ChannelHandler admission) {
        SocketIOChannelInitializer factory = new SocketIOChannelInitializer() {
            @Override
            protected void addSocketioHandlers(ChannelPipeline pipeline) {
                super.addSocketioHandlers(pipeline);
                pipeline.addBefore(PACKET_HANDLER, "dialtoneConnectionClose", connectionClose);
                pipeline.addBefore(PACKET_HANDLER, "dialtoneUpgradeUnblocker", upgrades);
                pipeline.addBefore(PACKET_HANDLER, "dialtonePendingPolls", polls);
                pipeline.addBefore(PACKET_HANDLER, "dialtoneEio3PayloadLengths", eio3Lengths);
                if (admission != null) {
                    pipeline.addBefore(PACKET_HANDLER, "dialtoneDeferredAdmission", admission);
                }
                pipeline.addBefore(PACKET_HANDLER, "dialtoneConnectGate", connectGate);
                pipeline.addBefore(AUTHORIZE_HANDLER, "dialtoneEngineIoVersionGate", versions);
                pipeline.addLast("dialtoneEio3PollingEncoder", eio3Encoder);
            }
        };
        replaceScheduler(factory, new RefreshedTimeouts());
        try {
            Field current = SocketIOServer.class.getDeclaredField("pipelineFactory");
            current.setAccessible(true);
            replaceScheduler((SocketIOChannelInitializer) current.get(server), null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("could not reach netty-socketio's default pipeline factory: {}", e.toString());
        }
        server.setPipelineFactory(factory);
        this.pipelineFactory = factory;
        this.server = server;
    }

    /**
     * Serves a connection accepted elsewhere (the edge port's) as if the signaling port had
     * accepted it: on the server's event loops, through the pipeline {@link #install} made, behind
     * {@code first} (what the acceptor must still do to the bytes, TLS say). netty-socketio takes
     * connections only from its own listener and keeps its event loops in a private field; reading
     * that field is the whole workaround (no upstream issue). Call it once the server started.
     *
     * @param socket connected; blocking or not, it is made non-blocking
     * @return the connection's channel, registered or, when the server is stopping, closed
     */
    public Channel adopt(SocketChannel socket, List<ChannelHandler> first) {
        if (SERVER_WORKERS == null) {
            throw new IllegalStateException("this netty-socketio has no SocketIOServer.workerGroup field to hand connections to"
                    + " (the edge port's handover needs the version this build pins)");
        }
        EventLoopGroup workers;
        try {
            workers = (EventLoopGroup) SERVER_WORKERS.get(server);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("netty-socketio's event loops cannot be reached: " + e, e);
        }
        if (workers == null || pipelineFactory == null) {
            throw new IllegalStateException("the signaling server has not started");
        }
        NioSocketChannel channel = new NioSocketChannel(socket);
        first.forEach(channel.pipeline()::addLast);
        channel.pipeline().addLast(pipelineFactory);
        workers.register(channel); // closes the channel when the loops no longer take it
        return channel;
    }

    private static Field serverWorkers() {
        try {
            Field field = SocketIOServer.class.getDeclaredField("workerGroup");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("no SocketIOServer.workerGroup to reach, the edge port cannot hand connections over: {}", e.toString());
            return null;
        }
    }

    /**
     * Gives {@code factory} the scheduler {@code replacement} (none: keeps no timer) and stops the
     * one it made itself. netty-socketio has no setter for it, so this takes reflection; if that
     * fails, the factory keeps its own and works as the library does.
     * <ul>
     *   <li>The replacement is {@link RefreshedTimeouts}: the library's scheduler replaces a socket's
     *       ping timeout on every packet (no upstream issue; engine.io pull request 628 made the same
     *       change in Node).</li>
     *   <li>Stopping the one replaced matters even with nothing in its place: {@code new SocketIOServer}
     *       makes a pipeline factory with a timer of its own before anyone can set theirs, and Netty
     *       tracks every timer: once the garbage collector takes one never stopped, the next timer made
     *       logs "LEAK: HashedWheelTimer.release() was not called" as an ERROR (netty-socketio issue
     *       741).</li>
     * </ul>
     */
    private static void replaceScheduler(SocketIOChannelInitializer factory, CancelableScheduler replacement) {
        CancelableScheduler own;
        try {
            Field field = SocketIOChannelInitializer.class.getDeclaredField("scheduler");
            field.setAccessible(true);
            own = (CancelableScheduler) field.get(factory);
            if (replacement != null) {
                field.set(factory, replacement);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("could not replace the scheduler of netty-socketio's pipeline factory: {}", e.toString());
            if (replacement != null) {
                replacement.shutdown(); // never installed: its timer must not be left to the leak detector
            }
            return;
        }
        own.shutdown();
    }

    /**
     * Registers {@code listener} for {@code event}, run only for sockets that authenticated. An
     * event from any other socket is answered by {@code refuse} and the socket disconnected.
     */
    public void on(SocketIONamespace namespace, String event, AuthenticatedListener listener,
                   BiConsumer<SocketIOClient, AckRequest> refuse) {
        namespace.addEventListener(event, Object.class, (client, payload, ack) -> {
            String user = userOf.apply(client.getSessionId());
            if (user == null) {
                log.info("event {} from unauthenticated socket {} ({}): dropping the socket",
                        event, client.getSessionId(), client.getRemoteAddress());
                refuse.accept(client, ack);
                client.disconnect();
                return;
            }
            listener.onEvent(client, user, payload, ack);
        });
    }

    /** Sends an event to {@code client}, on its way within moments whatever its transport. */
    public void send(SocketIOClient client, String event, Object payload) {
        client.sendEvent(event, payload);
        flush.after(client);
    }

    /** Answers {@code ack} of {@code client}, on its way within moments whatever its transport. */
    public void ack(SocketIOClient client, AckRequest ack, Object body) {
        ack.sendAckData(body);
        flush.after(client);
    }

    /** Forgets an ended session: its upgrade, and its pending poll, which is answered. */
    public void forget(UUID session) {
        upgrades.forget(session);
        polls.sessionEnded(session);
    }
}
