package dev.dialtone.common;

import java.time.Instant;

/**
 * One set of time-limited TURN credentials in the TURN REST API scheme
 * (draft-uberti-behave-turn-rest): {@code username = "<unix-expiry>:<userId>"},
 * {@code credential = base64(HMAC-SHA1(secret, username))}.
 *
 * <p>This is what a client puts in {@code RTCIceServer.username} / {@code credential}; the same
 * pair is accepted by coturn started with {@code use-auth-secret} and the same secret.
 */
public record TurnCredentials(String username, String credential, Instant expiresAt) {
}
