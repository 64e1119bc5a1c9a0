package dev.dialtone.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Work in memory runs at once; on Redis it runs elsewhere, in order per socket, bounded per socket. */
class SessionWorkTest {

    private static final long WAIT_S = 30;

    @Test
    void inlineRunsOnTheCallersThreadAtOnce() {
        try (SessionWork work = SessionWork.inline()) {
            Thread[] ran = {null};
            assertTrue(work.submit(UUID.randomUUID(), () -> ran[0] = Thread.currentThread()));
            assertSame(Thread.currentThread(), ran[0]);
            assertFalse(work.isOrdered());
        }
    }

    @Test
    void orderedKeepsEachSocketsOrderWhileSocketsRunSideBySide() throws Exception {
        int sockets = 20;
        int tasks = 50;
        Map<UUID, List<Integer>> seen = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(sockets * tasks);
        Thread caller = Thread.currentThread();
        AtomicInteger onCaller = new AtomicInteger();
        try (SessionWork work = SessionWork.ordered()) {
            List<Thread> submitters = new ArrayList<>();
            for (int s = 0; s < sockets; s++) {
                UUID socket = UUID.randomUUID();
                List<Integer> order = Collections.synchronizedList(new ArrayList<>());
                seen.put(socket, order);
                // one submitter per socket, like one channel's event loop; tasks of a socket overlap
                // with the others' and sometimes find its lane retired, sometimes still draining
                Thread t = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < tasks; i++) {
                        int n = i;
                        while (!work.submit(socket, () -> {
                            if (Thread.currentThread() == caller) {
                                onCaller.incrementAndGet();
                            }
                            order.add(n);
                            done.countDown();
                        })) {
                            Thread.onSpinWait();
                        }
                        if (n % 7 == 0) {
                            Thread.yield();
                        }
                    }
                });
                submitters.add(t);
            }
            for (Thread t : submitters) {
                t.join();
            }
            assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "every task ran");
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            expected.add(i);
        }
        seen.values().forEach(order -> assertEquals(expected, order));
        assertEquals(0, onCaller.get());
    }

    @Test
    void aSocketWithTooManyWaitingIsRefusedUntilItsWorkMovesOnButConnectAndDisconnectAlwaysQueue()
            throws Exception {
        UUID stuck = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        try (SessionWork work = SessionWork.ordered()) {
            assertTrue(work.submit(stuck, () -> {
                running.countDown();
                await(release);
                ran.add("first");
            }));
            assertTrue(running.await(WAIT_S, TimeUnit.SECONDS));
            for (int i = 0; i < SessionWork.MAX_WAITING; i++) {
                assertTrue(work.submit(stuck, () -> ran.add("queued")), "waiting task " + i);
            }
            assertFalse(work.submit(stuck, () -> ran.add("refused")), "one more than MAX_WAITING");
            work.submitAlways(stuck, () -> ran.add("disconnect"));
            // another socket is not held up by the stuck one
            CountDownLatch otherRan = new CountDownLatch(1);
            Thread[] otherThread = {null};
            assertTrue(work.submit(other, () -> {
                otherThread[0] = Thread.currentThread();
                otherRan.countDown();
            }));
            assertTrue(otherRan.await(WAIT_S, TimeUnit.SECONDS));
            assertNotSame(Thread.currentThread(), otherThread[0]);
            assertTrue(work.isBusy(stuck));

            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (work.isBusy(stuck) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(work.isBusy(stuck), "the lane retires once drained");
            assertFalse(work.isBusy(other));
        }
        assertEquals(SessionWork.MAX_WAITING + 2, ran.size());
        assertEquals("first", ran.get(0));
        assertEquals("disconnect", ran.get(ran.size() - 1));
        assertFalse(ran.contains("refused"));
    }

    @Test
    void aFailingTaskDoesNotStopTheSocketsLaterWork() throws Exception {
        UUID socket = UUID.randomUUID();
        CountDownLatch after = new CountDownLatch(1);
        try (SessionWork work = SessionWork.ordered()) {
            work.submit(socket, () -> {
                throw new IllegalStateException("Redis said no");
            });
            work.submit(socket, after::countDown);
            assertTrue(after.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(WAIT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
