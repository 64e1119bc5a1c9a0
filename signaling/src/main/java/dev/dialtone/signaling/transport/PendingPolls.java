package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.Transport;
import com.corundumstudio.socketio.handler.EncoderHandler;
import com.corundumstudio.socketio.messages.PacketsMessage;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The poll each long-polling session is waiting on, and its answer when the session ends.
 *
 * <p>netty-socketio leaves a pending poll open when its session closes (the client's close packet,
 * for one): it is answered by nothing, and the client's HTTP pool keeps a request running until its
 * own timeout. OkHttp, the Java client's, runs at most 5 per host, so a few connect/close cycles
 * over polling lock the client out. Engine.IO's own servers answer the pending poll with a NOOP at
 * once (engine.io issue 275); so does this handler: when a session ends (the packets of a POST
 * disconnected it, or {@link #sessionEnded} is called) and when a poll has waited longer than a
 * live session's poll can (a ping interval plus a ping timeout: a live session is sent a ping or a
 * pong within its ping interval), which bounds any poll orphaned some other way.
 */
@Sharable
final class PendingPolls extends ChannelInboundHandlerAdapter {

    /** The Engine.IO NOOP packet as a payload of the version's polling framing. */
    private static final String NOOP_V4 = "6";
    private static final String NOOP_V3 = "1:6";

    private final long orphanAfterMs;
    /** Each polling session's newest poll, until it closes. */
    private final Map<UUID, Poll> polls = new ConcurrentHashMap<>();

    /** A poll and the NOOP of its Engine.IO version. */
    private record Poll(Channel channel, String noop) {
        /** Answers with a NOOP unless netty-socketio has answered already (a poll or an error). */
        void answer() {
            if (channel.isActive() && !ConnectionClose.responded(channel)
                    && channel.attr(EncoderHandler.WRITE_ONCE).compareAndSet(null, true)) {
                channel.writeAndFlush(Polls.pollAnswer(channel, noop));
            }
        }
    }

    /** @param orphanAfter how long a poll may wait before it counts as orphaned */
    PendingPolls(Duration orphanAfter) {
        this.orphanAfterMs = orphanAfter.toMillis();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request && HttpMethod.GET.equals(request.method())) {
            UUID session = Polls.sessionOf(request);
            if (session != null) {
                // noted before netty-socketio binds it: a session ending meanwhile on another
                // thread finds this poll, and its answer runs on this poll's event loop, after this
                record(session, ctx.channel(), "3".equals(Polls.engineIoVersion(request)) ? NOOP_V3 : NOOP_V4);
            }
            ctx.fireChannelRead(msg);
        } else if (msg instanceof PacketsMessage packets && packets.getTransport() == Transport.POLLING) {
            ctx.fireChannelRead(msg);
            if (!packets.getClient().isConnected()) {
                sessionEnded(packets.getClient().getSessionId());
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** The newest poll of {@code session}, or null if none is open. */
    Channel newest(UUID session) {
        Poll poll = polls.get(session);
        return poll == null ? null : poll.channel();
    }

    /** Answers the pending poll of a session that has ended, after whatever was queued before. */
    public void sessionEnded(UUID session) {
        Poll poll = polls.remove(session);
        if (poll != null) {
            // on the poll's event loop: after any write already submitted to it (a disconnect packet)
            poll.channel().eventLoop().execute(poll::answer);
        }
    }

    private void record(UUID session, Channel channel, String noop) {
        Poll poll = new Poll(channel, noop);
        polls.put(session, poll);
        ScheduledFuture<?> orphaned = channel.eventLoop().schedule(poll::answer, orphanAfterMs, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> {
            orphaned.cancel(false);
            polls.remove(session, poll);
        });
    }
}
