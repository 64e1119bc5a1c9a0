package dev.dialtone.server.edge;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** The JDK's TLS client for the edge's tests, trusting the certificates they make up. */
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
            try (SSLSocket socket = (SSLSocket) trustingAll().getSocketFactory().createSocket("127.0.0.1", port)) {
                socket.setSoTimeout(20_000);
                return side.run(socket);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
    }

    static SSLContext trustingAll() throws GeneralSecurityException {
        TrustManager all = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {all}, null);
        return context;
    }
}
