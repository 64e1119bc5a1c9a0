package dev.dialtone.server.edge;

import dev.dialtone.relay.server.PemCertificate;
import dev.dialtone.signaling.SignalingServer;
import dev.dialtone.signaling.warmup.WarmupDoor;
import dev.dialtone.signaling.warmup.WarmupTarget;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The edge port's copy for the call path warm-up: the same listener, on loopback at a port of its
 * own, with the real certificate (so the handshakes sign with the real key's algorithm), handing
 * its Socket.IO connections to the warm-up's private signaling server. No relay, no page.
 *
 * <p>The warm-up's clients trust whatever certificate it presents: they are in this process, and
 * so is the listener, which bound its loopback port just before; nothing else can answer there,
 * and what they send (made-up users, tokens of a secret made for the warm-up) is worth nothing
 * elsewhere.
 */
public final class WarmupEdge implements WarmupDoor {

    /** Where the page would be: the warm-up asks for none, and nothing listens there. */
    private static final InetSocketAddress NO_PAGE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);

    private final EdgeConfig real;
    private final PemCertificate certificate;

    /** @param certificate the real edge's, or null when it speaks no TLS */
    public WarmupEdge(EdgeConfig real, PemCertificate certificate) {
        this.real = real;
        this.certificate = certificate;
    }

    @Override
    public Opened open(SignalingServer server) throws IOException {
        EdgeConfig loopback = new EdgeConfig(InetAddress.getLoopbackAddress().getHostAddress(), 0, real.certFile(),
                real.keyFile(), false);
        EdgeListener door = new EdgeListener(loopback, certificate, new EdgeStamp(), null, server::adopt, NO_PAGE);
        door.start();
        try {
            EdgeCounters.Kind kind = certificate == null ? EdgeCounters.Kind.HTTP : EdgeCounters.Kind.HTTPS;
            return new Opened(new WarmupTarget(door.localAddress(), certificate == null ? null : trustingAnyCertificate()),
                    () -> door.counters().servedCount(kind), door);
        } catch (GeneralSecurityException e) {
            door.close();
            throw new IOException("no TLS client for the warm-up: " + e.getMessage(), e);
        }
    }

    /** A TLS client context that trusts any certificate: only for a listener of this process (and tests). */
    static SSLContext trustingAnyCertificate() throws GeneralSecurityException {
        TrustManager any = new X509TrustManager() {
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
        context.init(null, new TrustManager[] {any}, null);
        return context;
    }
}
