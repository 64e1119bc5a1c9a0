package dev.dialtone.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What an operator reads on standard output: every line, in order, soon, and at once for warnings. */
class BatchedConsoleAppenderTest {

    /** Standard output as the appender sees it: what was written, and in how many writes. */
    private static final class Stdout extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writes = new AtomicInteger();
        volatile boolean closed;

        @Override
        public synchronized void write(int b) {
            writes.incrementAndGet();
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            bytes.write(b, off, len);
        }

        @Override
        public void close() {
            closed = true;
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("calls");
    private final Stdout stdout = new Stdout();
    private BatchedConsoleAppender appender;

    private void start(long flushMillis) {
        context.setMDCAdapter(new LogbackMDCAdapter());
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%-5level %msg%n");
        encoder.start();
        appender = new BatchedConsoleAppender(stdout);
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setFlushMillis(flushMillis);
        appender.start();
        assertTrue(appender.isStarted(), "started");

    }

    private void log(Level level, String message) {
        appender.doAppend(new LoggingEvent(Logger.FQCN, logger, level, message, null, null));
    }

    @AfterEach
    void stop() {
        if (appender != null) {
            appender.stop();
        }
    }

    @Test
    void infoLinesArriveWithinTheIntervalInOrderInFewWrites() throws InterruptedException {
        start(100);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            log(Level.INFO, "call " + i + " placed");
            expected.append("INFO  call ").append(i).append(" placed\n");
        }
        awaitText(expected.toString());
        assertTrue(stdout.writes.get() < 100, "1,000 lines in batches, not one write each: " + stdout.writes.get());
    }

    @Test
    void aLineAfterAQuietSpellArrivesToo() throws InterruptedException {
        start(50);
        log(Level.INFO, "call 1 placed");
        awaitText("INFO  call 1 placed\n");
        Thread.sleep(200); // quiet: no flush is scheduled
        int writes = stdout.writes.get();
        log(Level.INFO, "call 2 placed");
        awaitText("INFO  call 1 placed\nINFO  call 2 placed\n");
        assertEquals(writes + 1, stdout.writes.get(), "the second line in one write of its own");
    }

    private void awaitText(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!stdout.text().equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(expected, stdout.text());
    }

    @Test
    void aWarningGoesOutAtOnceWithTheLinesBeforeIt() {
        start(3_600_000); // the timer never flushes during this test
        log(Level.INFO, "call 1 placed");
        assertEquals("", stdout.text(), "an INFO line waits for the timer");
        log(Level.WARN, "relay port range exhausted");
        assertEquals("INFO  call 1 placed\nWARN  relay port range exhausted\n", stdout.text());
        log(Level.ERROR, "cannot start");
        assertTrue(stdout.text().endsWith("ERROR cannot start\n"));
    }

    @Test
    void stoppingFlushesAndLeavesStandardOutputOpen() {
        start(3_600_000);
        log(Level.INFO, "Dialtone stopped");
        appender.stop();
        assertEquals("INFO  Dialtone stopped\n", stdout.text());
        assertFalse(stdout.closed, "standard output stays open for the rest of the process");
    }

    @Test
    void onceTheJvmExitsEveryLineIsWrittenAtOnce() {
        start(3_600_000);
        log(Level.INFO, "SIGTERM received: draining");
        appender.exiting();
        assertEquals("INFO  SIGTERM received: draining\n", stdout.text(), "what waited goes out at exit");
        log(Level.INFO, "Dialtone stopped");
        assertEquals("INFO  SIGTERM received: draining\nINFO  Dialtone stopped\n", stdout.text(),
                "lines logged while the server drains are written at once: no one flushes after them");
    }

    @Test
    void quietLoggersLinesAreLeftOutUntilTheQuietEnds() throws InterruptedException {
        start(1);
        Logger warmup = context.getLogger("dev.dialtone.signaling.call.CallLog");
        appender.quiet(new String[] {"dev.dialtone.signaling"});
        appender.doAppend(new LoggingEvent(Logger.FQCN, warmup, Level.INFO, "made-up call placed", null, null));
        log(Level.INFO, "relay line");
        appender.doAppend(new LoggingEvent(Logger.FQCN, warmup, Level.WARN, "warm-up trouble", null, null));
        appender.quiet(new String[0]);
        appender.doAppend(new LoggingEvent(Logger.FQCN, warmup, Level.INFO, "real call placed", null, null));
        awaitText("INFO  relay line\nWARN  warm-up trouble\nINFO  real call placed\n");
    }

    @Test
    void anIntervalBelowOneIsRefused() {
        appender = new BatchedConsoleAppender(stdout);
        appender.setContext(context);
        appender.setFlushMillis(0);
        appender.start();
        assertFalse(appender.isStarted());
    }
}
