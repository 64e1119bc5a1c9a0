package dev.dialtone.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the INFO lines of some loggers out of the log while a task runs: the signaling warm-up's
 * thousands of made-up calls would otherwise bury the start-up. WARN and ERROR still go through,
 * and so does every other logger's output (the relay, already serving). The loggers keep their
 * levels, so the code that logs runs exactly as it will for real clients. Dialtone's own
 * {@link BatchedConsoleAppender} even formats the lines before it drops them, so that the warm-up
 * compiles the formatting too; any other appender (a logback.xml of the operator's) is given a
 * filter that turns them away.
 */
public final class QuietLoggers {

    private QuietLoggers() {
    }

    /** The rule, for the filter and for {@link BatchedConsoleAppender}: INFO or lower, of a logger under a prefix. */
    static boolean quiets(String[] prefixes, ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
            return false;
        }
        for (String prefix : prefixes) {
            if (event.getLoggerName().startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code task} with the INFO and lower lines of loggers named under {@code prefixes} dropped. */
    public static <T> T during(List<String> prefixes, Supplier<T> task) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return task.get(); // another SLF4J binding: nothing to filter with
        }
        String[] quieted = prefixes.toArray(String[]::new);
        Filter<ILoggingEvent> quiet = new Filter<>() {
            @Override
            public FilterReply decide(ILoggingEvent event) {
                return quiets(quieted, event) ? FilterReply.DENY : FilterReply.NEUTRAL;
            }
        };
        quiet.start();
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
             it.hasNext(); ) {
            Appender<ILoggingEvent> appender = it.next();
            if (appender instanceof BatchedConsoleAppender batched) {
                batched.quiet(quieted);
            } else {
                appender.addFilter(quiet);
            }
            appenders.add(appender);
        }
        try {
            return task.get();
        } finally {
            for (Appender<ILoggingEvent> appender : appenders) {
                if (appender instanceof BatchedConsoleAppender batched) {
                    batched.quiet(new String[0]);
                } else {
                    // logback has no way to remove one filter: put back the others
                    List<Filter<ILoggingEvent>> others = new ArrayList<>(appender.getCopyOfAttachedFiltersList());
                    others.remove(quiet);
                    appender.clearAllFilters();
                    others.forEach(appender::addFilter);
                }
            }
        }
    }
}
