package dev.dialtone.signaling.transport;

import com.corundumstudio.socketio.scheduler.CancelableScheduler;
import com.corundumstudio.socketio.scheduler.SchedulerKey;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * netty-socketio's scheduler, with a keyed timeout that is pushed back in place instead of being
 * replaced. For every packet a client sends, netty-socketio cancels the socket's ping timeout and
 * schedules a new one ({@code ClientHead.schedulePingTimeout}); its own scheduler pays a map removal,
 * a cancelled timer entry, a new one and a map insertion each time, about 2 % of the event loop's CPU
 * under calls. Here a schedule of a key that has an entry moves its deadline, a cancel of such a key
 * only marks the entry (below), and the timer, when it fires early, sleeps again for what is left. The same refresh as
 * Engine.IO's own server does with Node's {@code timeout.refresh()} (socketio/engine.io#628).
 *
 * <p>Only a key that has been scheduled again is cancelled lazily: its entry stays in the map, task
 * dropped, until its timer comes round (at most the ping interval plus timeout), a session id's key
 * and a few words. A key scheduled once and cancelled (a new connection's first-data timeout, keyed
 * by its channel; an upgrade's or an ack's) goes at once, as in netty-socketio's own scheduler: a
 * lingering entry would keep a closed channel and its pipeline in memory for as long.
 */
public final class RefreshedTimeouts implements CancelableScheduler {

    private final HashedWheelTimer timer;
    private final ConcurrentMap<SchedulerKey, Keyed> keyed = new ConcurrentHashMap<>();
    /** Where {@link #scheduleCallback} tasks run: the event loop of the last pipeline set up. */
    private volatile ChannelHandlerContext ctx;

    public RefreshedTimeouts() {
        this(new HashedWheelTimer(new DefaultThreadFactory("socketio-timeouts", true)));
    }

    RefreshedTimeouts(HashedWheelTimer timer) {
        this.timer = timer;
    }

    @Override
    public void update(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void cancel(SchedulerKey key) {
        Keyed entry = keyed.get(key);
        if (entry != null) {
            entry.cancel();
        }
    }

    @Override
    public void schedule(Runnable runnable, long delay, TimeUnit unit) {
        timer.newTimeout(timeout -> runnable.run(), delay, unit);
    }

    @Override
    public void schedule(SchedulerKey key, Runnable runnable, long delay, TimeUnit unit) {
        schedule(key, runnable, false, unit.toNanos(delay));
    }

    @Override
    public void scheduleCallback(SchedulerKey key, Runnable runnable, long delay, TimeUnit unit) {
        schedule(key, runnable, true, unit.toNanos(delay));
    }

    @Override
    public void shutdown() {
        timer.stop();
    }

    /** How many keys have an entry, cancelled ones included (for tests). */
    int entries() {
        return keyed.size();
    }

    private void schedule(SchedulerKey key, Runnable task, boolean onEventLoop, long delayNanos) {
        long due = System.nanoTime() + delayNanos;
        for (;;) {
            Keyed entry = keyed.get(key);
            if (entry != null && entry.refresh(task, onEventLoop, due)) {
                return;
            }
            Keyed fresh = new Keyed(key);
            synchronized (fresh) { // armed before another thread can cancel or fire it
                if (entry == null ? keyed.putIfAbsent(key, fresh) == null : keyed.replace(key, entry, fresh)) {
                    fresh.refresh(task, onEventLoop, due);
                    return;
                }
            }
        }
    }

    /** One key's timeout: its task (null once cancelled), its deadline and the timer entry armed for it. */
    private final class Keyed implements TimerTask {
        private final SchedulerKey key;
        private Runnable task;
        private boolean onEventLoop;
        private long due;
        private Timeout armed;
        private long armedFor;
        /** Scheduled again after its first schedule: a key that comes back, cancelled lazily. */
        private boolean rescheduled;
        /** Fired or dropped and out of the map: a new schedule of the key needs a new entry. */
        private boolean done;

        Keyed(SchedulerKey key) {
            this.key = key;
        }

        /** Sets the task and deadline; false when this entry is done and must be replaced. */
        synchronized boolean refresh(Runnable task, boolean onEventLoop, long due) {
            if (done) {
                return false;
            }
            if (armed != null) {
                rescheduled = true;
            }
            this.task = task;
            this.onEventLoop = onEventLoop;
            this.due = due;
            if (armed == null || due - armedFor < 0) {
                // nothing armed yet, or the armed entry would fire too late: arm for this deadline
                if (armed != null) {
                    armed.cancel();
                }
                arm(due);
            }
            return true;
        }

        synchronized void cancel() {
            task = null;
            if (!rescheduled && !done) {
                done = true;
                keyed.remove(key, this);
                armed.cancel();
            }
        }

        @Override
        public void run(Timeout fired) {
            Runnable run;
            boolean loop;
            synchronized (this) {
                if (fired != armed || done) {
                    return;
                }
                long left = due - System.nanoTime();
                if (task != null && left > 0) {
                    arm(due);
                    return;
                }
                done = true;
                keyed.remove(key, this);
                run = task;
                loop = onEventLoop;
            }
            if (run == null) {
                return;
            }
            ChannelHandlerContext context = ctx;
            if (loop && context != null) {
                context.executor().execute(run);
            } else {
                run.run();
            }
        }

        private void arm(long deadline) {
            armedFor = deadline;
            armed = timer.newTimeout(this, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }
}
