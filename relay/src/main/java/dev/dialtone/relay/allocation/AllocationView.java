package dev.dialtone.relay.allocation;

import java.net.InetSocketAddress;

/**
 * One allocation as an operator is shown it.
 *
 * @param userId        the user id in the credential's username
 * @param client        the client's address, as the relay sees it
 * @param transport     how the client reaches the relay
 * @param relayed       the relayed address handed to the client (the external IP when one is set)
 * @param ageMillis     how long ago it was made
 * @param bytesToPeer   payload bytes relayed from the client to its peers
 * @param bytesToClient payload bytes relayed from peers to the client
 */
public record AllocationView(String userId, InetSocketAddress client, Transport transport,
                             InetSocketAddress relayed, long ageMillis, long bytesToPeer, long bytesToClient) {
}
