package org.nixnfs.server.nfs4.state;

import java.util.Collection;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;

/**
 * How much NFSv4 state clients may hold, each and together, so that no client, buggy or hostile,
 * can make the server run out of memory for everyone else. Over a limit the request is refused:
 * NFS4ERR_RESOURCE in NFSv4.0; NFS4ERR_DELAY in 4.1 and later, where RESOURCE was replaced by
 * session-level errors, and DELAY makes a well-behaved client wait and retry. One kind of state is
 * reclaimed instead: an unconfirmed client id holds nothing and the RFCs let the server forget it
 * at any time, so a new client id first displaces the oldest unconfirmed one.
 *
 * <p>Each check runs under the monitor that guards the state it admits ({@link StateManager}'s
 * for client ids and sessions, {@link OpenTable}'s for opens and lock states), so a limit holds
 * exactly. This class keeps no state but its refusal count.
 *
 * <p>The limits: client ids on the server (confirmed or not) and made from one IP address (many
 * executors behind one NAT share one); NFSv4.1 sessions of one client (Linux uses one, more
 * with trunking); open files of one client and on the server; lock states of one client and on
 * the server.
 */
public final class StateLimits {
    private final int maxClients;
    private final int maxClientsPerAddress;
    private final int maxSessionsPerClient;
    private final int maxOpensPerClient;
    private final int maxOpens;
    private final int maxLocksPerClient;
    private final int maxLocks;
    private final int maxDelegationsPerClient;
    private final int maxDelegations;
    private final AtomicLong refusals = new AtomicLong();

    public StateLimits(int maxClients, int maxClientsPerAddress, int maxSessionsPerClient, int maxOpensPerClient,
                       int maxOpens, int maxLocksPerClient, int maxLocks) {
        this(maxClients, maxClientsPerAddress, maxSessionsPerClient, maxOpensPerClient, maxOpens, maxLocksPerClient,
                maxLocks, DEFAULT_DELEGATIONS_PER_CLIENT, DEFAULT_DELEGATIONS);
    }

    /** Linux itself returns delegations beyond about 5,000 (its delegation watermark); 16 Ki leaves room. */
    static final int DEFAULT_DELEGATIONS_PER_CLIENT = 16_384;
    static final int DEFAULT_DELEGATIONS = 262_144;

    public StateLimits(int maxClients, int maxClientsPerAddress, int maxSessionsPerClient, int maxOpensPerClient,
                       int maxOpens, int maxLocksPerClient, int maxLocks, int maxDelegationsPerClient,
                       int maxDelegations) {
        this.maxDelegationsPerClient = maxDelegationsPerClient;
        this.maxDelegations = maxDelegations;
        this.maxClients = maxClients;
        this.maxClientsPerAddress = maxClientsPerAddress;
        this.maxSessionsPerClient = maxSessionsPerClient;
        this.maxOpensPerClient = maxOpensPerClient;
        this.maxOpens = maxOpens;
        this.maxLocksPerClient = maxLocksPerClient;
        this.maxLocks = maxLocks;
    }

    /** Far above what a build farm needs (an open is a few hundred bytes), far below what would exhaust a 2 GiB heap. */
    public static StateLimits defaults() {
        return new StateLimits(16_384, 1_024, 16, 32_768, 524_288, 8_192, 131_072);
    }

    /** Requests refused so far because a limit was reached. */
    public long refused() {
        return refusals.get();
    }

    private NfsException refuse(int minorVersion, String what) {
        refusals.incrementAndGet();
        return new NfsException(minorVersion == 0 ? NfsStatus.NFS4ERR_RESOURCE : NfsStatus.NFS4ERR_DELAY,
                what + ": limit reached");
    }

    /**
     * Before a new client id is made for {@code address}: makes room by having {@code forget}
     * drop the oldest unconfirmed records (it removes them from {@code unconfirmed}) if the server
     * is full, then refuses if it is still full or the address has its share already.
     */
    void admitClient(String address, int minorVersion, Collection<ClientRecord> confirmed,
                     Collection<ClientRecord> unconfirmed, Consumer<ClientRecord> forget) throws NfsException {
        while (confirmed.size() + unconfirmed.size() >= maxClients && !unconfirmed.isEmpty()) {
            unconfirmed.stream().min(Comparator.comparingLong(ClientRecord::lastRenewNanos)).ifPresent(forget);
        }
        if (confirmed.size() + unconfirmed.size() >= maxClients) {
            throw refuse(minorVersion, maxClients + " client ids on the server");
        }
        long fromAddress = confirmed.stream().filter(c -> address.equals(c.address())).count()
                + unconfirmed.stream().filter(c -> address.equals(c.address())).count();
        if (fromAddress >= maxClientsPerAddress) {
            throw refuse(minorVersion, maxClientsPerAddress + " client ids from " + address);
        }
    }

    /** Before CREATE_SESSION adds a session to {@code c}. */
    void admitSession(ClientRecord c) throws NfsException {
        if (c.sessions.size() >= maxSessionsPerClient) {
            throw refuse(c.minorVersion(), maxSessionsPerClient + " sessions of client " + Long.toHexString(c.clientId()));
        }
    }

    /** Before OPEN makes a new open state for {@code c}, which holds {@code opensOfClient}. */
    void admitOpen(ClientRecord c, int opensOfClient, int opensOnServer) throws NfsException {
        if (opensOfClient >= maxOpensPerClient) {
            throw refuse(c.minorVersion(), maxOpensPerClient + " open files of client " + Long.toHexString(c.clientId()));
        }
        if (opensOnServer >= maxOpens) {
            throw refuse(c.minorVersion(), maxOpens + " open files on the server");
        }
    }

    /** Before LOCK makes a new lock state for {@code c}, which holds {@code locksOfClient}. */
    void admitLock(ClientRecord c, int locksOfClient, int locksOnServer) throws NfsException {
        if (locksOfClient >= maxLocksPerClient) {
            throw refuse(c.minorVersion(), maxLocksPerClient + " lock states of client " + Long.toHexString(c.clientId()));
        }
        if (locksOnServer >= maxLocks) {
            throw refuse(c.minorVersion(), maxLocks + " lock states on the server");
        }
    }

    /** Whether a client holding {@code delegationsOfClient} may get one more (revoked, unfreed ones count). */
    boolean allowDelegation(int delegationsOfClient, int delegationsOnServer) {
        return delegationsOfClient < maxDelegationsPerClient && delegationsOnServer < maxDelegations;
    }
}
