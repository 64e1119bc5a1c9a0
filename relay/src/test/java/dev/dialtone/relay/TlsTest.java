package dev.dialtone.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.ice4j.message.Message;
import org.ice4j.message.MessageFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TURN over TLS answers with the operator's certificate, or a self-signed one when none is set. */
class TlsTest {

    @TempDir
    Path dir;

    /** Connects over TLS, sends a Binding request and returns the certificate the relay showed. */
    private static X509Certificate bindOverTls(RelayUnderTest relay) throws Exception {
        X509Certificate[] seen = new X509Certificate[1];
        TrustManager recordAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain[0];
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {recordAll}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", relay.tlsPort)) {
            socket.setSoTimeout(3000);
            Message binding = MessageFactory.createBindingRequest();
            binding.setTransactionID(TestClient.newTransactionId());
            socket.getOutputStream().write(dev.dialtone.relay.stun.MessageIntegrity.seal(binding.encode(null), null));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] header = new byte[20];
            in.readFully(header);
            byte[] response = java.util.Arrays.copyOf(header, 20 + (((header[2] & 0xFF) << 8) | (header[3] & 0xFF)));
            in.readFully(response, 20, response.length - 20);
            TestClient.assertSuccess(Message.decode(response, 0, response.length));
        }
        return seen[0];
    }

    @Test
    void usesTheConfiguredCertificateAndKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=turn.example.org");
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                name, BigInteger.TEN, Date.from(Instant.now().minus(Duration.ofHours(1))),
                Date.from(Instant.now().plus(Duration.ofDays(1))), name, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        for (Object[] file : new Object[][] {{cert, certificate}, {key, pair.getPrivate()}}) {
            try (Writer writer = Files.newBufferedWriter((Path) file[0]); JcaPEMWriter pem = new JcaPEMWriter(writer)) {
                pem.writeObject(file[1]);
            }
        }
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of("dialtone.relay.tls-cert-file", cert.toString(),
                "dialtone.relay.tls-key-file", key.toString()))) {
            assertEquals(certificate, bindOverTls(relay));
        }
    }

    @Test
    void makesASelfSignedCertificateWhenNoneIsConfigured() throws Exception {
        try (RelayUnderTest relay = RelayUnderTest.start(Map.of())) {
            X509Certificate shown = bindOverTls(relay);
            assertEquals("CN=dialtone-relay", shown.getSubjectX500Principal().getName());
            assertEquals(shown.getIssuerX500Principal(), shown.getSubjectX500Principal());
        }
    }
}
