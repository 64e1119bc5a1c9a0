package dev.dialtone.relay.server;

import dev.dialtone.relay.auth.LongTermCredentials.Accepted;
import org.ice4j.message.Response;

/**
 * One authenticated request being answered: its method, its transaction and the key that signs
 * every answer to it (RFC 8489 section 9.2.4: responses to an authenticated request carry
 * MESSAGE-INTEGRITY).
 */
record Exchange(int type, byte[] transactionId, Accepted user) {

    byte[] reply(Response response) {
        return Responses.encode(response, transactionId, user.key());
    }

    byte[] error(int code, String reason) {
        return reply(Responses.error(type, code, reason));
    }

    byte[] success() {
        return reply(Responses.success(type));
    }
}
