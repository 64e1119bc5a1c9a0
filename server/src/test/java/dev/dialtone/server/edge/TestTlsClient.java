package dev.dialtone.server.edge;

import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLSocket;

/** The JDK's TLS client for the edge's tests, trusting the certificates they make up (as the warm-up's does). */
final class TestTlsClient {

    /** What the client does once connected. */
    interface Side<T> {
        T run(SSLSocket socket) throws Exception;
    }

    private TestTlsClient() {
    }

    /** Connects to {@code port} on loopback and runs {@code side} on a virtual thread of its own. */
    static <T> CompletableFuture<T> connect(int port, Side<T> side) {
        return CompletableFuture.supplyAsync(() -> {
            try (SSLSocket socket = (SSLSocket) WarmupEdge.trustingAnyCertificate().getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.setSoTimeout(20_000);
                return side.run(socket);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
    }
}
