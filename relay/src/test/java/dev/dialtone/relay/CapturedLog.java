package dev.dialtone.relay;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * What is logged at a level or above while a test runs, as an operator would find it in the log:
 * attached to logback's root logger, so it sees every thread's lines, and removed on close. Only
 * lines that pass the loggers' levels in {@code logback-test.xml} (WARN) arrive.
 */
public final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Level threshold;

    private CapturedLog(Level threshold) {
        this.threshold = threshold;
    }

    public static CapturedLog atLeast(Level threshold) {
        CapturedLog log = new CapturedLog(threshold);
        log.setContext(log.root.getLoggerContext());
        log.start();
        log.root.addAppender(log);
        return log;
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(threshold)) {
            lines.add("[" + event.getThreadName() + "] " + event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getClassName()
                    + ": " + event.getThrowableProxy().getMessage()));
        }
    }

    /** Every line so far at the threshold or above, with its thread and exception. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
