package dev.dialtone.signaling.turn;

import dev.dialtone.common.TurnConfig;
import dev.dialtone.common.TurnCredentials;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IceServerList;
import java.time.Clock;
import java.util.List;

/** Mints the {@code iceServers} a user gets: the configured URLs with fresh TURN REST credentials. */
public final class IceServerMint {

    private final TurnConfig turn;
    private final TurnRestSecret secret;
    private final Clock clock;

    public IceServerMint(TurnConfig turn, Clock clock) {
        this.turn = turn;
        this.secret = new TurnRestSecret(turn.secret());
        this.clock = clock;
    }

    public IceServerList forUser(String userId) {
        return new IceServerList(serversFor(userId), turn.credentialTtl().toSeconds());
    }

    public List<IceServer> serversFor(String userId) {
        if (turn.urls().isEmpty()) {
            return List.of();
        }
        TurnCredentials c = secret.mint(userId, turn.credentialTtl(), clock);
        return List.of(new IceServer(turn.urls(), c.username(), c.credential()));
    }
}
