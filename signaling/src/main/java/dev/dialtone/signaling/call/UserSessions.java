package dev.dialtone.signaling.call;

import java.util.List;
import java.util.Optional;

/**
 * A user's connected sockets (on every node) and the call they are in, if any.
 *
 * @param sockets empty when the user is offline
 */
public record UserSessions(String userId, List<ConnectedSocket> sockets, Optional<LiveCall> call) {

    public UserSessions {
        sockets = List.copyOf(sockets);
    }
}
