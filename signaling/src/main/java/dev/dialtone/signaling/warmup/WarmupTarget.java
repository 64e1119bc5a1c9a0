package dev.dialtone.signaling.warmup;

import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Where a warm-up client connects: the private server's own port, or its {@link WarmupDoor}.
 *
 * @param tls the client side of the door's TLS, or null for none
 */
public record WarmupTarget(InetSocketAddress address, SSLContext tls) {

    /** The Host header's value. */
    String hostPort() {
        return address.getHostString() + ":" + address.getPort();
    }

    /** A client engine for one connection; only when {@link #tls} is set. */
    SSLEngine clientEngine() {
        SSLEngine engine = tls.createSSLEngine(address.getHostString(), address.getPort());
        engine.setUseClientMode(true);
        return engine;
    }
}
