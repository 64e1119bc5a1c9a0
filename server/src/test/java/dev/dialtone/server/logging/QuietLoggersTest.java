package dev.dialtone.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's real logback context with a real appender on the root logger: which lines reach
 * it while {@link QuietLoggers#during} runs, and that the appenders are as before afterwards.
 */
class QuietLoggersTest {

    private static final List<String> PREFIXES = List.of("dev.dialtone.signaling", "com.corundumstudio");
    private static final String QUIETED = "dev.dialtone.signaling.warmup.QuietLoggersTest";
    private static final String LIBRARY = "com.corundumstudio.socketio.QuietLoggersTest";
    private static final String OTHER = "dev.dialtone.relay.QuietLoggersTest";

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    /** A filter the appender had before: lines saying "not for this appender" never reach it. */
    private final Filter<ILoggingEvent> own = new Filter<>() {
        @Override
        public FilterReply decide(ILoggingEvent event) {
            return event.getFormattedMessage().contains("not for this appender") ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
    };
    private final Map<String, Level> levelsBefore = new LinkedHashMap<>();

    @BeforeEach
    void attach() {
        // the test configuration logs WARN and up only: INFO must get as far as the appenders
        for (String name : List.of(QUIETED, LIBRARY, OTHER)) {
            ch.qos.logback.classic.Logger logger = context.getLogger(name);
            levelsBefore.put(name, logger.getLevel());
            logger.setLevel(Level.INFO);
        }
        appender.setContext(context);
        own.start();
        appender.addFilter(own);
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void detach() {
        root.detachAppender(appender);
        appender.stop();
        levelsBefore.forEach((name, level) -> context.getLogger(name).setLevel(level));
    }

    @Test
    void infoOfTheQuietedLoggersIsDroppedWhileTheTaskRunsAndComesThroughAgainAfter() {
        Map<String, List<Filter<ILoggingEvent>>> filtersBefore = rootAppendersFilters();

        String value = QuietLoggers.during(PREFIXES, () -> {
            assertTrue(LoggerFactory.getLogger(QUIETED).isInfoEnabled(), "the loggers keep their levels: the code runs as usual");
            LoggerFactory.getLogger(QUIETED).info("quieted info");
            LoggerFactory.getLogger(QUIETED).debug("quieted debug");
            LoggerFactory.getLogger(LIBRARY).info("library info");
            LoggerFactory.getLogger(QUIETED).warn("quieted warn");
            LoggerFactory.getLogger(LIBRARY).error("library error");
            LoggerFactory.getLogger(OTHER).info("other info");
            LoggerFactory.getLogger(QUIETED).warn("quieted warn, but not for this appender");
            return "the task's value";
        });

        assertEquals("the task's value", value);
        assertEquals(List.of("WARN quieted warn", "ERROR library error", "INFO other info"), lines());
        appender.list.clear();
        LoggerFactory.getLogger(QUIETED).info("quieted info after");
        LoggerFactory.getLogger(LIBRARY).info("library info after");
        LoggerFactory.getLogger(QUIETED).info("after, not for this appender");
        assertEquals(List.of("INFO quieted info after", "INFO library info after"), lines());
        assertEquals(filtersBefore, rootAppendersFilters(), "every root appender has the filters it had, in order");
        assertSame(own, appender.getCopyOfAttachedFiltersList().getFirst());
    }

    @Test
    void aTaskThatThrowsLeavesTheFiltersAsTheyWere() {
        Map<String, List<Filter<ILoggingEvent>>> filtersBefore = rootAppendersFilters();
        IllegalStateException thrown = new IllegalStateException("the task failed");

        assertSame(thrown, assertThrows(IllegalStateException.class, () -> QuietLoggers.during(PREFIXES, () -> {
            LoggerFactory.getLogger(QUIETED).info("quieted info");
            throw thrown;
        })));

        assertEquals(List.of(), lines(), "quieted while the task ran");
        assertEquals(filtersBefore, rootAppendersFilters());
        LoggerFactory.getLogger(QUIETED).info("quieted info after");
        assertEquals(List.of("INFO quieted info after"), lines());
    }

    private List<String> lines() {
        return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    /** Each appender of the root logger (this test's and the configured console) with its filters. */
    private Map<String, List<Filter<ILoggingEvent>>> rootAppendersFilters() {
        Map<String, List<Filter<ILoggingEvent>>> filters = new LinkedHashMap<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> a = it.next();
            filters.put(a.getName() + "@" + System.identityHashCode(a), new ArrayList<>(a.getCopyOfAttachedFiltersList()));
        }
        assertTrue(filters.size() >= 2, "the configured console appender and this test's: " + filters.keySet());
        return filters;
    }
}
