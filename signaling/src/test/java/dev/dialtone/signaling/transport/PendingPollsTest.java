package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.corundumstudio.socketio.handler.EncoderHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PendingPollsTest {

    private static final Duration ORPHAN_AFTER = Duration.ofSeconds(45);

    private final PendingPolls polls = new PendingPolls(ORPHAN_AFTER);
    private final UUID session = UUID.randomUUID();

    @Test
    void thePendingPollOfASessionThatEndsIsAnsweredWithANoop() {
        EmbeddedChannel poll = pollOf("4");
        assertSame(poll, polls.newest(session));
        polls.sessionEnded(session);
        poll.runPendingTasks();
        FullHttpResponse answer = poll.readOutbound();
        assertEquals(200, answer.status().code());
        assertEquals("6", EmbeddedPolls.body(answer));
        assertNull(polls.newest(session));
        poll.finishAndReleaseAll();
    }

    @Test
    void anEngineIo3PollGetsItsFramedNoop() {
        EmbeddedChannel poll = pollOf("3");
        polls.sessionEnded(session);
        poll.runPendingTasks();
        assertEquals("1:6", EmbeddedPolls.body(poll.readOutbound()));
        poll.finishAndReleaseAll();
    }

    @Test
    void aPollNettySocketioAnsweredAlreadyIsNotAnsweredTwice() {
        EmbeddedChannel poll = pollOf("4");
        poll.attr(EncoderHandler.WRITE_ONCE).set(true);
        polls.sessionEnded(session);
        poll.runPendingTasks();
        assertNull(poll.readOutbound());
        poll.finishAndReleaseAll();
    }

    @Test
    void aPollLeftWaitingLongerThanALiveSessionsCanIsAnswered() {
        EmbeddedChannel poll = pollOf("4");
        poll.advanceTimeBy(ORPHAN_AFTER.toSeconds() - 1, TimeUnit.SECONDS);
        poll.runScheduledPendingTasks();
        assertNull(poll.readOutbound(), "a live session's poll may wait a ping interval");
        poll.advanceTimeBy(1, TimeUnit.SECONDS);
        poll.runScheduledPendingTasks();
        assertEquals("6", EmbeddedPolls.body(poll.readOutbound()));
        poll.finishAndReleaseAll();
    }

    @Test
    void aClosedPollIsForgotten() {
        EmbeddedChannel poll = pollOf("4");
        poll.close();
        assertNull(polls.newest(session));
        assertFalse(poll.isOpen());
        poll.finishAndReleaseAll();
    }

    private EmbeddedChannel pollOf(String eio) {
        EmbeddedChannel poll = new EmbeddedChannel(polls);
        FullHttpRequest request = EmbeddedPolls.get("/socket.io/?EIO=" + eio + "&transport=polling&sid=" + session);
        poll.writeInbound(request);
        assertSame(request, poll.readInbound(), "the poll goes on to netty-socketio");
        request.release();
        return poll;
    }
}
