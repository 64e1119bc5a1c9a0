package dev.dialtone.signaling.turn;

import com.corundumstudio.socketio.HandshakeData;
import java.net.InetAddress;
import java.util.Optional;

/**
 * The server's edge port (one port for HTTPS, websocket and TURN) passes its clients' HTTP on to
 * the signaling port and says so in a way only it can (the server module's {@code EdgeStamp}): this
 * tells such a handshake from any other, with the client it carries.
 */
@FunctionalInterface
public interface EdgeConnections {

    /** No edge port. */
    EdgeConnections NONE = handshake -> Optional.empty();

    /** The client the edge carried this handshake for; empty when it did not come through the edge. */
    Optional<Carried> find(HandshakeData handshake);

    /**
     * @param client the client's own address
     * @param local  the edge address the client connected to
     */
    record Carried(InetAddress client, InetAddress local) {
    }
}
