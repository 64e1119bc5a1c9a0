package dev.dialtone.relay.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AllocationTest {

    private static final long T0 = 1_000_000;
    private static final InetSocketAddress PEER = new InetSocketAddress("198.51.100.1", 5000);
    private static final InetSocketAddress OTHER_PEER = new InetSocketAddress("198.51.100.2", 5000);

    /** The table and the allocation's own rules need no client at the other end. */
    private static final ClientTransport NOWHERE = new ClientTransport() {
        @Override
        public void send(ByteBuffer frame, InetSocketAddress client) {
        }

        @Override
        public void relayFor(Allocation allocation) {
        }
    };

    private Allocation allocation;

    static Allocation allocation(FiveTuple tuple, String userId, long now) throws java.io.IOException {
        DatagramChannel socket = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        return new Allocation(tuple, "123:" + userId, userId, socket, (InetSocketAddress) socket.getLocalAddress(),
                NOWHERE, 0, new byte[12], now, 600_000);
    }

    static FiveTuple tuple(int clientPort) {
        return new FiveTuple(new InetSocketAddress("127.0.0.1", clientPort), new InetSocketAddress("127.0.0.1", 3478),
                Transport.UDP);
    }

    @BeforeEach
    void create() throws Exception {
        allocation = allocation(tuple(40000), "alice", T0);
    }

    @AfterEach
    void close() {
        allocation.close();
    }

    @Test
    void aPermissionLastsThreeHundredSecondsAndCoversEveryPortOfThePeer() {
        assertFalse(allocation.permits(PEER.getAddress(), T0));
        allocation.permit(PEER.getAddress(), T0);
        assertFalse(allocation.permits(InetAddress.getLoopbackAddress(), T0), "other IPs stay closed");
        assertTrue(allocation.permits(PEER.getAddress(), T0 + 299_999));
        assertFalse(allocation.permits(PEER.getAddress(), T0 + 300_000));
    }

    @Test
    void aChannelLastsSixHundredSecondsAndInstallsAPermission() {
        assertEquals(Allocation.BindOutcome.BOUND, allocation.bind(0x4000, PEER, T0));
        assertEquals(PEER, allocation.channel(0x4000, T0 + 599_999).peer());
        assertEquals(0x4000, allocation.channelTo(PEER, T0).number());
        assertTrue(allocation.permits(PEER.getAddress(), T0));
        assertNull(allocation.channel(0x4000, T0 + 600_000));
        assertNull(allocation.channelTo(PEER, T0 + 600_000));
    }

    @Test
    void aChannelNumberAndAPeerBindOnlyToEachOther() {
        allocation.bind(0x4000, PEER, T0);
        assertEquals(Allocation.BindOutcome.CONFLICT, allocation.bind(0x4000, OTHER_PEER, T0));
        assertEquals(Allocation.BindOutcome.CONFLICT, allocation.bind(0x4001, PEER, T0));
        assertEquals(Allocation.BindOutcome.BOUND, allocation.bind(0x4000, PEER, T0 + 1000), "a refresh");
        assertEquals(Allocation.BindOutcome.BOUND, allocation.bind(0x4001, OTHER_PEER, T0));
    }

    @Test
    void permissionsAndChannelsAreCapped() throws Exception {
        for (int i = 0; i < Allocation.MAX_PERMISSIONS; i++) {
            assertTrue(allocation.permit(InetAddress.getByName("198.51.100." + i), T0));
        }
        assertFalse(allocation.permit(InetAddress.getByName("203.0.113.1"), T0));
        assertTrue(allocation.permit(InetAddress.getByName("198.51.100.0"), T0), "refreshing one still works");
    }

    @Test
    void pruningDropsOnlyWhatExpired() {
        allocation.permit(OTHER_PEER.getAddress(), T0);
        allocation.bind(0x4000, PEER, T0 + 200_000);
        allocation.pruneExpired(T0 + 300_000);
        assertFalse(allocation.permits(OTHER_PEER.getAddress(), T0 + 300_000));
        assertTrue(allocation.permits(PEER.getAddress(), T0 + 300_000));
        assertEquals(PEER, allocation.channel(0x4000, T0 + 300_000).peer());
    }

    @Test
    void pruningWhenNothingExpiredKeepsEverything() {
        allocation.permit(OTHER_PEER.getAddress(), T0);
        allocation.bind(0x4000, PEER, T0);
        allocation.pruneExpired(T0 + 299_999);
        assertTrue(allocation.permits(OTHER_PEER.getAddress(), T0 + 299_999));
        assertTrue(allocation.permits(PEER.getAddress(), T0 + 299_999));
        assertEquals(PEER, allocation.channel(0x4000, T0 + 299_999).peer());
    }

    @Test
    void refreshMovesTheEndOfTheLifetime() {
        assertTrue(allocation.isLive(T0 + 599_999));
        assertFalse(allocation.isLive(T0 + 600_000));
        allocation.refresh(T0 + 500_000, 600_000);
        assertTrue(allocation.isLive(T0 + 1_000_000));
    }
}
