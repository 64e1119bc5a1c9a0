package dev.dialtone.relay.server;

import dev.dialtone.relay.stun.StunRequest;
import java.time.Duration;

/**
 * The lifetime an Allocate or Refresh is granted (RFC 8656 section 7.2): the default unless the
 * client asks for more, and never more than the maximum.
 */
public record Lifetimes(Duration defaultLifetime, Duration maxLifetime) {

    long grantedMillis(StunRequest request) {
        long requested = request.lifetime().isPresent() ? Integer.toUnsignedLong(request.lifetime().getAsInt()) * 1000 : 0;
        return requested > defaultLifetime.toMillis() ? Math.min(requested, maxLifetime.toMillis())
                : defaultLifetime.toMillis();
    }
}
