package dev.dialtone.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Standard output in batches. logback's {@code ConsoleAppender} writes through {@code System.out},
 * which flushes every line: one write system call per line, on the thread that logs. A busy server
 * logs three INFO lines per call on its event loop (placed, answered, ended), and those writes
 * were ~6% of the event loop's CPU (bench/README.md). Here lines gather in a buffer that a timer
 * flushes at most {@link #setFlushMillis flushMillis} (100 ms) later; a WARN or ERROR line goes out
 * at once with everything before it, and so does the buffer when the appender stops. The timer is
 * set by the first line that waits, not on a fixed rate: an idle server does not wake up to flush
 * nothing (ten wake-ups a second were a third of the idle jar's CPU).
 *
 * <p>When the JVM begins to exit, the appender's own shutdown hook flushes and from then on writes
 * every line through at once ({@link #exiting}). Stopping logback from a shutdown hook instead
 * loses what the server logs while it drains (shutdown hooks run concurrently: "Dialtone stopped"
 * came after logback had stopped). What a SIGKILL loses is the INFO lines of the last interval.
 */
public final class BatchedConsoleAppender extends OutputStreamAppender<ILoggingEvent> {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final OutputStream sink;
    private long flushMillis = 100;
    private ScheduledExecutorService timer;
    /** Whether lines wait in the buffer with a flush scheduled for them. */
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Set when the JVM begins to exit: every line is written through from then on. */
    private volatile boolean writeThrough;
    private Thread shutdownHook;
    /**
     * Loggers whose INFO and lower lines are formatted but not written ({@link QuietLoggers});
     * mostly none. An array, not a list: the one class before, during and after keeps the compiled
     * logging path valid when the quiet ends.
     */
    private volatile String[] quietPrefixes = new String[0];

    /** Standard output, as logback's configuration makes it. */
    public BatchedConsoleAppender() {
        this(new FileOutputStream(FileDescriptor.out));
    }

    /** Writes to {@code sink}, which it never closes. */
    BatchedConsoleAppender(OutputStream sink) {
        this.sink = sink;
    }

    /** How long a line may wait in the buffer; {@code <flushMillis>} in logback.xml. */
    public void setFlushMillis(long flushMillis) {
        this.flushMillis = flushMillis;
    }

    @Override
    public void start() {
        if (flushMillis < 1) {
            addError("flushMillis must be 1 or more, not " + flushMillis);
            return;
        }
        setOutputStream(new BufferedOutputStream(sink, BUFFER_BYTES));
        setImmediateFlush(false);
        super.start();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "log-flush");
            t.setDaemon(true);
            return t;
        });
        shutdownHook = new Thread(this::exiting, "log-flush-on-exit");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The JVM is exiting: what waits goes out now, and every later line at once. A line appended
     * while this runs is either in the buffer before the flush or sees {@link #writeThrough} after.
     */
    void exiting() {
        writeThrough = true;
        flush();
    }

    /** From now on, formats and drops the INFO and lower lines of loggers named under {@code prefixes}. */
    void quiet(String[] prefixes) {
        quietPrefixes = prefixes;
    }

    @Override
    protected void subAppend(ILoggingEvent event) {
        if (QuietLoggers.quiets(quietPrefixes, event)) {
            // formatted all the same: a warm-up then compiles the code every real line takes
            getEncoder().encode(event);
            return;
        }
        super.subAppend(event);
        if (writeThrough || event.getLevel().isGreaterOrEqual(Level.WARN)) {
            flush();
        } else if (pending.compareAndSet(false, true)) {
            scheduleFlush();
        }
    }

    @Override
    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already exiting: the hook runs, and flushing twice is harmless
            }
        }
        super.stop();
    }

    /** Flushes instead of closing: the sink is the process's standard output, still used by others. */
    @Override
    protected void closeOutputStream() {
        flush();
    }

    /**
     * A line that came while a flush ran may schedule one more, which then finds little or nothing
     * to write: harmless, and no line waits longer than {@code flushMillis}.
     */
    private void scheduleFlush() {
        try {
            timer.schedule(this::flush, flushMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            flush(); // stopping: the timer is gone
        }
    }

    private void flush() {
        streamWriteLock.lock();
        try {
            pending.set(false);
            OutputStream out = getOutputStream();
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            addError("could not write the log to standard output", e);
        } finally {
            streamWriteLock.unlock();
        }
    }
}
