package dev.dialtone.relay.server;

import dev.dialtone.common.StartupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PEM certificate chain and key that a port serves, read again when the files change (certbot
 * renews them in place every two months; a server that kept the first pair would serve an
 * expired certificate from then on): each new connection looks at the files' modification times,
 * at most once a second. A pair that does not load (a renewal half written, a key that does not
 * match) keeps the previous certificate in service and is reported once.
 */
public final class PemCertificate {

    private static final Logger log = LoggerFactory.getLogger(PemCertificate.class);
    private static final long CHECK_EVERY_MILLIS = 1000;

    private final Path certFile;
    private final Path keyFile;
    private final String port;
    private final Clock clock;
    private volatile SSLContext context;
    private String loadedStamp;
    private String failedStamp;
    private long checkedAt;

    private PemCertificate(Path certFile, Path keyFile, String port, Clock clock, SSLContext context, String stamp) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.port = port;
        this.clock = clock;
        this.context = context;
        this.loadedStamp = stamp;
        this.checkedAt = clock.millis();
    }

    /**
     * Loads the pair now: a pair that does not load stops the start, naming the settings.
     *
     * @param certKey the setting that named {@code certFile}; {@code keyKey} likewise
     * @param port    the port that serves it, as the log names it ("edge port")
     */
    public static PemCertificate load(Path certFile, Path keyFile, String certKey, String keyKey, String port,
                                      Clock clock) {
        try {
            String stamp = stamp(certFile, keyFile);
            return new PemCertificate(certFile, keyFile, port, clock, TlsContexts.fromPem(certFile, keyFile), stamp);
        } catch (IOException | GeneralSecurityException e) {
            throw new StartupException(certKey + " = " + certFile + ", " + keyKey + " = " + keyFile + ": "
                    + e.getMessage() + "; give a PEM certificate chain and its unencrypted PEM private key");
        }
    }

    /** The context for a new connection: the files' current pair when they changed and load. */
    public SSLContext current() {
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
            log.info("{}: certificate reloaded from {} (the files changed)", port, certFile);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            reportOnce(stamp, certFile + " and " + keyFile + " changed but do not load (" + e.getMessage() + ")");
        }
    }

    private void reportOnce(String stamp, String problem) {
        if (!stamp.equals(failedStamp)) {
            failedStamp = stamp;
            log.warn("{}: {}; still serving the previous certificate", port, problem);
        }
    }

    private static String stamp(Path certFile, Path keyFile) throws IOException {
        return Files.getLastModifiedTime(certFile).toMillis() + "/" + Files.size(certFile) + " "
                + Files.getLastModifiedTime(keyFile).toMillis() + "/" + Files.size(keyFile);
    }
}
