package dev.dialtone.signaling.turn;

import dev.dialtone.common.TurnConfig;
import dev.dialtone.common.TurnCredentials;
import dev.dialtone.common.TurnRestSecret;
import dev.dialtone.signaling.protocol.IceServer;
import dev.dialtone.signaling.protocol.IceServerList;
import java.time.Clock;
import java.util.List;

/** Mints the {@code iceServers} a user gets: the advertised URLs with fresh TURN REST credentials. */
public final class IceServerMint {

    private final TurnConfig turn;
    private final IceUrls urls;
    private final TurnRestSecret secret;
    private final Clock clock;

    public IceServerMint(TurnConfig turn, Clock clock) {
        this(turn, IceUrls.fixed(turn.urls()), clock);
    }

    public IceServerMint(TurnConfig turn, IceUrls urls, Clock clock) {
        this.turn = turn;
        this.urls = urls;
        this.secret = new TurnRestSecret(turn.secret());
        this.clock = clock;
    }

    /** @param reached how the user's client reached the server (used when the URLs are per client) */
    public IceServerList forUser(String userId, ReachedBy reached) {
        return new IceServerList(serversFor(userId, reached), turn.credentialTtl().toSeconds());
    }

    public List<IceServer> serversFor(String userId, ReachedBy reached) {
        List<String> list = urls.forClient(reached);
        if (list.isEmpty()) {
            return List.of();
        }
        TurnCredentials c = secret.mint(userId, turn.credentialTtl(), clock);
        return List.of(new IceServer(list, c.username(), c.credential()));
    }
}
