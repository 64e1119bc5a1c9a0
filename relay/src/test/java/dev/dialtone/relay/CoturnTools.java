package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs coturn's own tools (Debian package {@code coturn}) as subprocesses, bounded in time. A
 * missing tool fails the test: these tests prove interoperability and must not pass without it.
 */
public final class CoturnTools {

    /** What uclient prints before it exits on a refused ChannelBind ({@link #uclient} says when that is its own doing). */
    private static final String SAME_CHANNEL_DRAWN_TWICE = "channel bind: error 400";

    private CoturnTools() {
    }

    public record Result(int exitCode, String output) {

        /** uclient's final "tot_send_msgs=N, tot_recv_msgs=M" line. */
        public long[] sentAndReceived() {
            Matcher m = Pattern.compile("tot_send_msgs=(\\d+), tot_recv_msgs=(\\d+)").matcher(output);
            long[] last = null;
            while (m.find()) {
                last = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
            }
            assertTrue(last != null, "no totals in uclient output:\n" + tail());
            return last;
        }

        public String tail() {
            return output.length() > 4000 ? output.substring(output.length() - 4000) : output;
        }
    }

    public static Path require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(tool + " not found on PATH: install Debian's coturn package (apt-get install coturn)");
    }

    /** Runs the tool to completion, killing it after {@code timeout}. */
    public static Result run(Duration timeout, String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(require(tool).toString());
        command.addAll(List.of(args));
        Path log = Files.createTempFile("coturn-tool", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail(tool + " did not finish within " + timeout + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * Runs {@code turnutils_uclient}, once more when its run ended on its own dice. Each client
     * binds a random channel number to the peer's port + 1, then draws again for the peer itself
     * (coturn's startuclient.c, {@code start_connection}); when both draws give the same number, 1 in
     * 16,384 per client with 4.6.1's range, the server must refuse the second bind with 400 (RFC 8656
     * section 12: a number already bound to another peer) and uclient exits. Such a run says nothing
     * about the server. A server that refuses binds for a reason of its own refuses the second run too.
     */
    public static Result uclient(Duration timeout, String... args) throws IOException, InterruptedException {
        Result result = run(timeout, "turnutils_uclient", args);
        return result.output().contains(SAME_CHANNEL_DRAWN_TWICE) ? run(timeout, "turnutils_uclient", args) : result;
    }

    /** Stops a tool started with {@link #spawn}: SIGTERM, then SIGKILL if it lingers; bounded either way. */
    public static void stop(Process process) throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Starts a long-running tool (peer, server); the caller stops it with {@link #stop}. */
    public static Process spawn(String tool, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(require(tool).toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
