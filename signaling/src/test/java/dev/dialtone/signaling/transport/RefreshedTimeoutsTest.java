package dev.dialtone.signaling.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.corundumstudio.socketio.scheduler.SchedulerKey;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.HashedWheelTimer;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** On a real timer with a 5 ms tick: what runs, what does not, and never before its deadline. */
class RefreshedTimeoutsTest {

    private static final SchedulerKey PING = new SchedulerKey(SchedulerKey.Type.PING_TIMEOUT, UUID.randomUUID());

    private final RefreshedTimeouts timeouts =
            new RefreshedTimeouts(new HashedWheelTimer(5, TimeUnit.MILLISECONDS));

    @AfterEach
    void stop() {
        timeouts.shutdown();
    }

    @Test
    void aKeyedTaskRunsOnceAtItsDeadline() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        long t0 = System.nanoTime();
        AtomicLong at = new AtomicLong();
        timeouts.schedule(PING, () -> {
            at.set(System.nanoTime());
            ran.countDown();
        }, 50, TimeUnit.MILLISECONDS);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertTrue(at.get() - t0 >= TimeUnit.MILLISECONDS.toNanos(50), "ran after " + (at.get() - t0) + " ns");
        awaitNoEntries();
    }

    @Test
    void aKeyScheduledOnceAndCancelledGoesAtOnceAsInNettySocketio() throws InterruptedException {
        AtomicInteger runs = new AtomicInteger();
        timeouts.schedule(PING, runs::incrementAndGet, 300, TimeUnit.MILLISECONDS);
        timeouts.cancel(PING);
        assertEquals(0, timeouts.entries(), "a first-data timeout keyed by its channel must not keep the channel");
        Thread.sleep(500);
        assertEquals(0, runs.get());
    }

    @Test
    void aKeyScheduledAgainIsCancelledLazilyAndItsEntryGoesAtTheDeadline() throws InterruptedException {
        AtomicInteger runs = new AtomicInteger();
        timeouts.schedule(PING, runs::incrementAndGet, 300, TimeUnit.MILLISECONDS);
        timeouts.schedule(PING, runs::incrementAndGet, 300, TimeUnit.MILLISECONDS);
        timeouts.cancel(PING);
        assertEquals(1, timeouts.entries(), "kept for the schedule that usually follows a cancel");
        awaitNoEntries();
        Thread.sleep(100);
        assertEquals(0, runs.get());
    }

    @Test
    void cancelThenScheduleAsNettySocketioDoesOnEveryPacketPushesTheDeadlineBack() throws InterruptedException {
        AtomicInteger replaced = new AtomicInteger();
        timeouts.schedule(PING, replaced::incrementAndGet, 1, TimeUnit.SECONDS);
        for (int packet = 0; packet < 1000; packet++) {
            timeouts.cancel(PING);
            timeouts.schedule(PING, replaced::incrementAndGet, 1, TimeUnit.SECONDS);
        }
        timeouts.cancel(PING);
        long refreshed = System.nanoTime();
        AtomicLong at = new AtomicLong();
        CountDownLatch last = new CountDownLatch(1);
        timeouts.schedule(PING, () -> {
            at.set(System.nanoTime());
            last.countDown();
        }, 1500, TimeUnit.MILLISECONDS);
        assertEquals(1, timeouts.entries(), "one entry per key, however often it is refreshed");
        assertTrue(last.await(10, TimeUnit.SECONDS));
        assertEquals(0, replaced.get(), "the tasks replaced never run");
        assertTrue(at.get() - refreshed >= TimeUnit.MILLISECONDS.toNanos(1500),
                "ran " + (at.get() - refreshed) / 1_000_000 + " ms after the last refresh, before its deadline");
        awaitNoEntries();
    }

    @Test
    void anEarlierDeadlineIsNotKeptWaitingForTheLaterOneArmedBefore() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        timeouts.schedule(PING, () -> { }, 60, TimeUnit.SECONDS);
        timeouts.schedule(PING, ran::countDown, 20, TimeUnit.MILLISECONDS);
        assertTrue(ran.await(5, TimeUnit.SECONDS), "ran at the 20 ms deadline, not after a minute");
    }

    @Test
    void aKeyScheduledAgainAfterItRanGetsANewEntry() throws InterruptedException {
        CountDownLatch first = new CountDownLatch(1);
        timeouts.schedule(PING, first::countDown, 10, TimeUnit.MILLISECONDS);
        assertTrue(first.await(5, TimeUnit.SECONDS));
        awaitNoEntries();
        CountDownLatch second = new CountDownLatch(1);
        timeouts.schedule(PING, second::countDown, 10, TimeUnit.MILLISECONDS);
        assertTrue(second.await(5, TimeUnit.SECONDS));
    }

    @Test
    void keysAreIndependent() throws InterruptedException {
        SchedulerKey other = new SchedulerKey(SchedulerKey.Type.PING_TIMEOUT, UUID.randomUUID());
        CountDownLatch ran = new CountDownLatch(1);
        AtomicInteger cancelled = new AtomicInteger();
        timeouts.schedule(PING, cancelled::incrementAndGet, 20, TimeUnit.MILLISECONDS);
        timeouts.schedule(other, ran::countDown, 20, TimeUnit.MILLISECONDS);
        timeouts.cancel(PING);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        awaitNoEntries();
        assertEquals(0, cancelled.get());
    }

    @Test
    void callbacksRunOnTheEventLoopOfThePipeline() throws InterruptedException {
        AtomicReference<ChannelHandlerContext> context = new AtomicReference<>();
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                context.set(ctx);
            }
        });
        timeouts.update(context.get());
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        timeouts.scheduleCallback(PING, () -> ranOn.set(Thread.currentThread()), 10, TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ranOn.get() == null && System.nanoTime() < deadline) {
            channel.runPendingTasks();
            Thread.sleep(5);
        }
        assertEquals(Thread.currentThread(), ranOn.get(), "run by the channel's (embedded) event loop, here this thread");
        channel.finishAndReleaseAll();
    }

    @Test
    void unkeyedTasksRun() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        timeouts.schedule(ran::countDown, 10, TimeUnit.MILLISECONDS);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertEquals(0, timeouts.entries(), "an unkeyed task has no entry");
    }

    private void awaitNoEntries() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (timeouts.entries() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, timeouts.entries(), "entries left behind");
    }
}
