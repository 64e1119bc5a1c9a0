package dev.dialtone.signaling.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    @Test
    void signsAsStandardWebhooksDoes() {
        // the example of the Standard Webhooks specification; npm standardwebhooks gives the same
        WebhookSigner signer = new WebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"));
    }

    @Test
    void refusesASecretItCannotUseWithoutEchoingIt() {
        for (String bad : new String[] {"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not*base64", "whsec_c2hvcnQ="}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WebhookSigner(bad));
            assertFalse(!bad.isEmpty() && e.getMessage().contains(bad), e.getMessage());
        }
    }
}
