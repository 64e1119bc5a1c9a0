package dev.dialtone.relay.allocation;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * One client's relayed transport address (RFC 8656 section 2.2): its relay socket, lifetime,
 * permissions and channel bindings.
 *
 * <p>Several threads may use an allocation: the one reading the client (requests, client-to-peer
 * data), the one reading the relay socket (the same thread for UDP clients, a thread of its own
 * for TCP/TLS clients) and the expiry sweep. Permissions and channels are copy-on-write arrays:
 * the forwarding path reads a volatile array without locking and scans it (a client has a handful
 * of peers), while the rare changes synchronize on the allocation. The counts are capped so that
 * a client cannot make its own scan long.
 */
public final class Allocation {

    /** More than any ICE agent needs (one per remote candidate); beyond it: 508. */
    public static final int MAX_PERMISSIONS = 64;
    public static final int MAX_CHANNELS = 64;

    private static final Permission[] NO_PERMISSIONS = {};
    private static final ChannelBinding[] NO_CHANNELS = {};

    private final FiveTuple fiveTuple;
    private final String username;
    private final String userId;
    private final DatagramChannel relaySocket;
    private final InetSocketAddress relayedAddress;
    private final ClientTransport client;
    private final BandwidthLimiter toPeer;
    private final BandwidthLimiter toClient;
    private final byte[] allocateTransactionId;
    private final long createdAt;
    /**
     * Payload bytes relayed each way. Each is written by the one thread forwarding that direction
     * (see {@link #toPeer()}, {@link #toClient()}), so an opaque store is enough: it costs a plain
     * store on the hot path, and a reader on another thread sees a recent value.
     */
    private final AtomicLong bytesToPeer = new AtomicLong();
    private final AtomicLong bytesToClient = new AtomicLong();
    private volatile byte[] allocateResponse;
    private volatile long expiresAt;
    private volatile Permission[] permissions = NO_PERMISSIONS;
    private volatile ChannelBinding[] channels = NO_CHANNELS;
    /** Last peer of a Send indication, reused while the client keeps sending to it. */
    private InetSocketAddress lastSendPeer;

    public Allocation(FiveTuple fiveTuple, String username, String userId, DatagramChannel relaySocket,
                      InetSocketAddress relayedAddress, ClientTransport client, long bytesPerSecond,
                      byte[] allocateTransactionId, long now, long lifetimeMillis) {
        this.fiveTuple = fiveTuple;
        this.username = username;
        this.userId = userId;
        this.relaySocket = relaySocket;
        this.relayedAddress = relayedAddress;
        this.client = client;
        this.toPeer = new BandwidthLimiter(bytesPerSecond, now);
        this.toClient = new BandwidthLimiter(bytesPerSecond, now);
        this.allocateTransactionId = allocateTransactionId.clone();
        this.expiresAt = now + lifetimeMillis;
        this.createdAt = now;
    }

    public FiveTuple fiveTuple() {
        return fiveTuple;
    }

    public String username() {
        return username;
    }

    public String userId() {
        return userId;
    }

    public DatagramChannel relaySocket() {
        return relaySocket;
    }

    /** The address advertised in XOR-RELAYED-ADDRESS (the external IP when one is configured). */
    public InetSocketAddress relayedAddress() {
        return relayedAddress;
    }

    public ClientTransport client() {
        return client;
    }

    /** Budget of the client-to-peer direction; only the client-reading thread uses it. */
    public BandwidthLimiter toPeer() {
        return toPeer;
    }

    /** Budget of the peer-to-client direction; only the relay-socket thread uses it. */
    public BandwidthLimiter toClient() {
        return toClient;
    }

    /** Counts payload bytes sent to a peer; called by the thread that forwards client-to-peer data. */
    public void sentToPeer(int bytes) {
        bytesToPeer.setOpaque(bytesToPeer.getPlain() + bytes);
    }

    /** Counts payload bytes sent to the client; called by the thread that reads the relay socket. */
    public void sentToClient(int bytes) {
        bytesToClient.setOpaque(bytesToClient.getPlain() + bytes);
    }

    /** What an operator is shown of this allocation at {@code now}. */
    public AllocationView view(long now) {
        return new AllocationView(userId, fiveTuple.client(), fiveTuple.transport(), relayedAddress,
                now - createdAt, bytesToPeer.getOpaque(), bytesToClient.getOpaque());
    }

    /** True when this Allocate transaction is the one that made the allocation (a retransmit). */
    public boolean isAllocatedBy(byte[] transactionId) {
        return Arrays.equals(allocateTransactionId, transactionId);
    }

    /** The success response sent for the Allocate, repeated when the client retransmits it. */
    public byte[] allocateResponse() {
        return allocateResponse;
    }

    public void rememberAllocateResponse(byte[] response) {
        this.allocateResponse = response.clone();
    }

    public boolean isLive(long now) {
        return now < expiresAt;
    }

    public long expiresAt() {
        return expiresAt;
    }

    public void refresh(long now, long lifetimeMillis) {
        expiresAt = now + lifetimeMillis;
    }

    /** True when data may flow between the relay and {@code peer} at {@code now}. */
    public boolean permits(InetAddress peer, long now) {
        for (Permission permission : permissions) {
            if (permission.peer().equals(peer)) {
                return permission.isLive(now);
            }
        }
        return false;
    }

    /** The live binding of channel {@code number}, or null. */
    public ChannelBinding channel(int number, long now) {
        for (ChannelBinding binding : channels) {
            if (binding.number() == number) {
                return binding.isLive(now) ? binding : null;
            }
        }
        return null;
    }

    /** The live binding towards {@code peer}, or null: then data goes in a Data indication. */
    public ChannelBinding channelTo(InetSocketAddress peer, long now) {
        for (ChannelBinding binding : channels) {
            if (binding.peer().equals(peer)) {
                return binding.isLive(now) ? binding : null;
            }
        }
        return null;
    }

    /**
     * Installs or refreshes the permission for {@code peer}; false when the allocation already
     * holds {@link #MAX_PERMISSIONS} others.
     */
    public synchronized boolean permit(InetAddress peer, long now) {
        Permission fresh = new Permission(peer, now + Permission.LIFETIME_MILLIS);
        Permission[] current = permissions;
        for (int i = 0; i < current.length; i++) {
            if (current[i].peer().equals(peer)) {
                Permission[] next = current.clone();
                next[i] = fresh;
                permissions = next;
                return true;
            }
        }
        if (current.length >= MAX_PERMISSIONS) {
            return false;
        }
        Permission[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = fresh;
        permissions = next;
        return true;
    }

    /**
     * Binds (or refreshes) {@code number} to {@code peer} and refreshes the permission for its IP
     * (RFC 8656 section 11.2).
     */
    public synchronized BindOutcome bind(int number, InetSocketAddress peer, long now) {
        ChannelBinding fresh = new ChannelBinding(number, peer, now + ChannelBinding.LIFETIME_MILLIS);
        ChannelBinding[] current = channels;
        int slot = -1;
        for (int i = 0; i < current.length; i++) {
            boolean sameNumber = current[i].number() == number;
            boolean samePeer = current[i].peer().equals(peer);
            if (sameNumber != samePeer) {
                return BindOutcome.CONFLICT;
            }
            if (sameNumber) {
                slot = i;
            }
        }
        if (slot < 0 && current.length >= MAX_CHANNELS) {
            return BindOutcome.FULL;
        }
        if (!permit(peer.getAddress(), now)) {
            return BindOutcome.FULL;
        }
        ChannelBinding[] next = Arrays.copyOf(current, slot < 0 ? current.length + 1 : current.length);
        next[slot < 0 ? current.length : slot] = fresh;
        channels = next;
        return BindOutcome.BOUND;
    }

    /**
     * Drops expired permissions and channels. A channel number stays reserved for a while after
     * it expires (RFC 8656 section 12) only to avoid confusion with late packets; dropping it at
     * once is allowed because a late packet then simply finds no binding.
     */
    public synchronized void pruneExpired(long now) {
        permissions = live(permissions, now, Permission[]::new);
        channels = live(channels, now, ChannelBinding[]::new);
    }

    /**
     * The live ones of {@code held}: the same array when none has expired, so that the sweep, every
     * second over every allocation, allocates nothing for those (rebuilding both arrays each time
     * was half of the sweep's CPU: 0.52 % of a core for 10,000 held allocations, 0.24 % without).
     */
    private static <T extends Expiring> T[] live(T[] held, long now, IntFunction<T[]> newArray) {
        for (T item : held) {
            if (!item.isLive(now)) {
                return Arrays.stream(held).filter(i -> i.isLive(now)).toArray(newArray);
            }
        }
        return held;
    }

    /**
     * The peer a Send indication names, reusing the last one when the XOR-PEER-ADDRESS bytes still
     * encode it so that a steady Send flow allocates nothing. Called by the client-reading thread.
     */
    public InetSocketAddress lastSendPeer() {
        return lastSendPeer;
    }

    public void rememberSendPeer(InetSocketAddress peer) {
        lastSendPeer = peer;
    }

    /** Closes the relay socket, which ends the thread reading it, and tells the client's transport. */
    public void close() {
        try {
            relaySocket.close();
        } catch (IOException e) {
            // nothing left to release: the socket is gone either way
        }
        client.released(this);
    }

    public enum BindOutcome { BOUND, CONFLICT, FULL }

    @Override
    public String toString() {
        return "allocation " + relayedAddress + " for " + userId + " (" + fiveTuple + ")";
    }
}
