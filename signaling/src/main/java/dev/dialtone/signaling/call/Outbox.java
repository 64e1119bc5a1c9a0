package dev.dialtone.signaling.call;

import java.util.List;

/** Where the switchboard's decisions leave it: the sockets of this node, or a recorder in tests. */
@FunctionalInterface
public interface Outbox {

    void send(List<Delivery> deliveries);
}
