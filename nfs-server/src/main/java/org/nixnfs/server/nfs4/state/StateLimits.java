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
 * the server; read delegations of one client and on the server (over these an OPEN simply gets
 * none, see {@link #allowDelegation}).
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

    private StateLimits(Builder b) {
        this.maxClients = b.maxClients;
        this.maxClientsPerAddress = b.maxClientsPerAddress;
        this.maxSessionsPerClient = b.maxSessionsPerClient;
        this.maxOpensPerClient = b.maxOpensPerClient;
        this.maxOpens = b.maxOpens;
        this.maxLocksPerClient = b.maxLocksPerClient;
        this.maxLocks = b.maxLocks;
        this.maxDelegationsPerClient = b.maxDelegationsPerClient;
        this.maxDelegations = b.maxDelegations;
    }

    public static StateLimits defaults() {
        return builder().build();
    }

    /** Starts from the defaults; each setter overrides one limit. */
    public static Builder builder() {
        return new Builder();
    }

    public int maxClients() {
        return maxClients;
    }

    public int maxClientsPerAddress() {
        return maxClientsPerAddress;
    }

    public int maxSessionsPerClient() {
        return maxSessionsPerClient;
    }

    public int maxOpensPerClient() {
        return maxOpensPerClient;
    }

    public int maxOpens() {
        return maxOpens;
    }

    public int maxLocksPerClient() {
        return maxLocksPerClient;
    }

    public int maxLocks() {
        return maxLocks;
    }

    public int maxDelegationsPerClient() {
        return maxDelegationsPerClient;
    }

    public int maxDelegations() {
        return maxDelegations;
    }

    /**
     * Builds {@link StateLimits}. The defaults are far above what a build farm needs (an open is
     * a few hundred bytes), far below what would exhaust a 2 GiB heap; {@code serve}'s options
     * show them.
     */
    public static final class Builder {
        public static final int DEFAULT_MAX_CLIENTS = 16_384;
        public static final int DEFAULT_MAX_CLIENTS_PER_ADDRESS = 1_024;
        public static final int DEFAULT_MAX_SESSIONS_PER_CLIENT = 16;
        public static final int DEFAULT_MAX_OPENS_PER_CLIENT = 32_768;
        public static final int DEFAULT_MAX_OPENS = 524_288;
        public static final int DEFAULT_MAX_LOCKS_PER_CLIENT = 8_192;
        public static final int DEFAULT_MAX_LOCKS = 131_072;
        /** Linux itself returns delegations beyond about 5,000 (its delegation watermark); 16 Ki leaves room. */
        public static final int DEFAULT_MAX_DELEGATIONS_PER_CLIENT = 16_384;
        public static final int DEFAULT_MAX_DELEGATIONS = 262_144;

        private int maxClients = DEFAULT_MAX_CLIENTS;
        private int maxClientsPerAddress = DEFAULT_MAX_CLIENTS_PER_ADDRESS;
        private int maxSessionsPerClient = DEFAULT_MAX_SESSIONS_PER_CLIENT;
        private int maxOpensPerClient = DEFAULT_MAX_OPENS_PER_CLIENT;
        private int maxOpens = DEFAULT_MAX_OPENS;
        private int maxLocksPerClient = DEFAULT_MAX_LOCKS_PER_CLIENT;
        private int maxLocks = DEFAULT_MAX_LOCKS;
        private int maxDelegationsPerClient = DEFAULT_MAX_DELEGATIONS_PER_CLIENT;
        private int maxDelegations = DEFAULT_MAX_DELEGATIONS;

        private Builder() {
        }

        /** Client ids on the server, confirmed or not. */
        public Builder maxClients(int n) {
            maxClients = atLeastOne("maxClients", n);
            return this;
        }

        /** Client ids made from one IP address. */
        public Builder maxClientsPerAddress(int n) {
            maxClientsPerAddress = atLeastOne("maxClientsPerAddress", n);
            return this;
        }

        /** NFSv4.1 sessions of one client. */
        public Builder maxSessionsPerClient(int n) {
            maxSessionsPerClient = atLeastOne("maxSessionsPerClient", n);
            return this;
        }

        /** Open states of one client. */
        public Builder maxOpensPerClient(int n) {
            maxOpensPerClient = atLeastOne("maxOpensPerClient", n);
            return this;
        }

        /** Open states on the server. */
        public Builder maxOpens(int n) {
            maxOpens = atLeastOne("maxOpens", n);
            return this;
        }

        /** Lock states of one client. */
        public Builder maxLocksPerClient(int n) {
            maxLocksPerClient = atLeastOne("maxLocksPerClient", n);
            return this;
        }

        /** Lock states on the server. */
        public Builder maxLocks(int n) {
            maxLocks = atLeastOne("maxLocks", n);
            return this;
        }

        /** Read delegations of one client (over the limit an OPEN simply gets none). */
        public Builder maxDelegationsPerClient(int n) {
            maxDelegationsPerClient = atLeastOne("maxDelegationsPerClient", n);
            return this;
        }

        /** Read delegations on the server. */
        public Builder maxDelegations(int n) {
            maxDelegations = atLeastOne("maxDelegations", n);
            return this;
        }

        public StateLimits build() {
            return new StateLimits(this);
        }

        /** A limit of 0 would refuse every client; a negative one is a mistake. */
        private static int atLeastOne(String name, int n) {
            if (n < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, not " + n);
            }
            return n;
        }
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
