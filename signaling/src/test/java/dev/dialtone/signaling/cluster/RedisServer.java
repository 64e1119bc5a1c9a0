package dev.dialtone.signaling.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A throwaway redis-server (Debian's package) on a free loopback port, without persistence. */
final class RedisServer implements AutoCloseable {

    private static final long START_TIMEOUT_MS = 10_000;

    private final Process process;
    private final int port;

    RedisServer() throws IOException, InterruptedException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path log = Files.createTempFile("redis-test-", ".log");
        process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (!accepts()) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                close();
                throw new IllegalStateException("redis-server did not start on port " + port + ": "
                        + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    /** Forgets every key, as a restarted Redis without persistence would. */
    void flushAll() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.getOutputStream().write("FLUSHALL\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = new byte[5];
            if (s.getInputStream().readNBytes(reply, 0, 5) != 5 || !"+OK\r\n".equals(new String(reply, StandardCharsets.US_ASCII))) {
                throw new IOException("FLUSHALL not acknowledged");
            }
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean accepts() {
        try {
            new Socket(InetAddress.getLoopbackAddress(), port).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

}
