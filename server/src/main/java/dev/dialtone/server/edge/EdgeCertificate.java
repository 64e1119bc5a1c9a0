package dev.dialtone.server.edge;

import dev.dialtone.common.StartupException;
import dev.dialtone.relay.server.TlsContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge port's certificate, read again when its files change (certbot renews them in place
 * every two months): each new connection looks at the files' modification times, at most once a
 * second. A pair that does not load (a renewal half written, a key that does not match) keeps the
 * previous certificate in service and is reported once.
 */
public final class EdgeCertificate {

    private static final Logger log = LoggerFactory.getLogger(EdgeCertificate.class);
    private static final long CHECK_EVERY_MILLIS = 1000;

    private final Path certFile;
    private final Path keyFile;
    private final Clock clock;
    private volatile SSLContext context;
    private String loadedStamp;
    private String failedStamp;
    private long checkedAt;

    private EdgeCertificate(Path certFile, Path keyFile, Clock clock, SSLContext context, String stamp) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.clock = clock;
        this.context = context;
        this.loadedStamp = stamp;
        this.checkedAt = clock.millis();
    }

    /** Loads the pair now: a pair that does not load stops the start. */
    public static EdgeCertificate load(Path certFile, Path keyFile, Clock clock) {
        try {
            String stamp = stamp(certFile, keyFile);
            return new EdgeCertificate(certFile, keyFile, clock, TlsContexts.fromPem(certFile, keyFile), stamp);
        } catch (IOException | GeneralSecurityException e) {
            throw new StartupException("dialtone.edge.cert-file = " + certFile + ", key-file = " + keyFile + ": "
                    + e.getMessage() + "; give a PEM certificate chain and its unencrypted PEM private key");
        }
    }

    /** The context for a new connection: the files' current pair when they changed and load. */
    SSLContext current() {
        reloadIfChanged();
        return context;
    }

    private synchronized void reloadIfChanged() {
        long now = clock.millis();
        if (now - checkedAt < CHECK_EVERY_MILLIS) {
            return;
        }
        checkedAt = now;
        String stamp;
        try {
            stamp = stamp(certFile, keyFile);
        } catch (IOException e) {
            reportOnce("unreadable: " + e, "cannot read " + certFile + " or " + keyFile + " (" + e.getMessage() + ")");
            return;
        }
        if (stamp.equals(loadedStamp)) {
            return;
        }
        try {
            context = TlsContexts.fromPem(certFile, keyFile);
            loadedStamp = stamp;
            failedStamp = null;
            log.info("edge port: certificate reloaded from {} (the files changed)", certFile);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            reportOnce(stamp, certFile + " and " + keyFile + " changed but do not load (" + e.getMessage() + ")");
        }
    }

    private void reportOnce(String stamp, String problem) {
        if (!stamp.equals(failedStamp)) {
            failedStamp = stamp;
            log.warn("edge port: {}; still serving the previous certificate", problem);
        }
    }

    private static String stamp(Path certFile, Path keyFile) throws IOException {
        return Files.getLastModifiedTime(certFile).toMillis() + "/" + Files.size(certFile) + " "
                + Files.getLastModifiedTime(keyFile).toMillis() + "/" + Files.size(keyFile);
    }
}
