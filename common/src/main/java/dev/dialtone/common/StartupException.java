package dev.dialtone.common;

import java.util.List;

/**
 * The server refuses to start for reasons the operator can fix: each problem is one sentence that
 * names the setting, where it came from or its value, and what to do. Main logs one line per
 * problem, without a stack trace, and exits with code 2.
 */
public final class StartupException extends RuntimeException {

    private final List<String> problems;

    public StartupException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public StartupException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
