package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All client state: client ids (4.0 SETCLIENTID and 4.1 EXCHANGE_ID), sessions, opens, leases.
 *
 * <p>Ids we hand out start with this server instance's random boot epoch, so after a restart
 * every old client id, session and stateid is recognisably stale, and clients recover the
 * standard way (new client id, reclaim opens). On a read-only export no two clients' state can
 * ever conflict, which keeps this far simpler than a general NFSv4 state model: share
 * reservations are recorded, never enforced, and there is no grace period: a reclaim is granted
 * whenever it comes (see {@link #checkReclaim}), and new opens are never held back for reclaims.
 *
 * <p>This class keeps client ids, sessions and leases; opens and locks are in {@link OpenTable},
 * read delegations in {@link DelegationTable} (revoked here, by the lease housekeeping),
 * and stateids are checked here (they name this instance's epoch and may renew a 4.0 lease).
 *
 * <p><b>Locking rule.</b> Every method that adds, replaces or removes a client or a session is
 * {@code synchronized} on this StateManager, expiry included, and keeps all maps consistent
 * before it returns. CREATE_SESSION first takes its client's {@code createSessionLock} (see
 * {@link #createSessionOnce}), then this monitor; nothing that holds this monitor or another
 * state lock takes a createSessionLock. Lookups by id (client id, session id, stateid) are
 * lock-free reads of concurrent maps, and renewing a lease is a volatile write, so SEQUENCE and
 * READ take no lock here. A client is dropped by removing it from the maps first and then ending its opens in
 * {@link OpenTable} (under that table's monitor, taken second); the table refuses new opens for
 * a dropped client, so no open outlives its client.
 *
 * <p>{@link StateLimits} are checked where state is made, under the monitor that guards the
 * change: new client ids and sessions here, opens and lock states in {@link OpenTable}.
 */
public final class StateManager {
    private static final Logger log = LoggerFactory.getLogger(StateManager.class);

    private final int leaseSeconds;
    private final long leaseNanos;
    private final LongSupplier nanoTime;
    private final int bootEpoch;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong counter = new AtomicLong();

    private final Map<Long, ClientRecord> confirmed = new ConcurrentHashMap<>();
    private final Map<Long, ClientRecord> unconfirmed = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, ClientRecord> confirmedByOwner = new HashMap<>();
    private final Map<ByteBuffer, ClientRecord> unconfirmedByOwner = new HashMap<>();
    private final Map<ByteBuffer, Session> sessions = new ConcurrentHashMap<>();
    private final StateLimits limits;
    private final OpenTable opens;
    private final DelegationTable delegations;

    public StateManager(int leaseSeconds, LongSupplier nanoTime) {
        this(leaseSeconds, nanoTime, StateLimits.defaults());
    }

    public StateManager(int leaseSeconds, LongSupplier nanoTime, StateLimits limits) {
        this.limits = limits;
        this.opens = new OpenTable(this::newOther, limits);
        this.delegations = new DelegationTable(this::newOther, limits);
        this.leaseSeconds = leaseSeconds;
        this.leaseNanos = TimeUnit.SECONDS.toNanos(leaseSeconds);
        this.nanoTime = nanoTime;
        this.bootEpoch = random.nextInt();
    }

    public int leaseSeconds() {
        return leaseSeconds;
    }

    /** Opens and byte-range locks. */
    public OpenTable opens() {
        return opens;
    }

    /** Read delegations. */
    public DelegationTable delegations() {
        return delegations;
    }

    /** The monotonic time leases run on (delegation recalls are timed by it too). */
    public long nanoTime() {
        return nanoTime.getAsLong();
    }

    /** A session of this client whose backchannel can carry a callback now, or null. */
    public Session callbackSession(ClientRecord c) {
        for (Session s : c.sessions) {
            if (s.back().usable()) {
                return s;
            }
        }
        return null;
    }

    /**
     * Whether this client may reclaim an open (CLAIM_PREVIOUS) or a lock (LOCK with reclaim) now,
     * else NFS4ERR_NO_GRACE. A client meets a server that does not know it after a restart, or
     * after it moved to another replica behind the same address, at any time, not only during a
     * grace period after this server started. On a read-only export no other client can have
     * taken a conflicting lock or share reservation meanwhile, so a reclaim is granted whenever
     * it comes, except after the 4.1 client's RECLAIM_COMPLETE, which says it has no more to
     * reclaim (RFC 8881 section 18.51.3).
     */
    public void checkReclaim(ClientRecord c) throws NfsException {
        if (c.reclaimComplete()) {
            throw new NfsException(NfsStatus.NFS4ERR_NO_GRACE, "client " + Long.toHexString(c.clientId())
                    + " already sent RECLAIM_COMPLETE");
        }
    }

    private long newClientId() {
        return ((long) bootEpoch << 32) | (counter.incrementAndGet() & 0xffffffffL);
    }

    private byte[] newOther() {
        return ByteBuffer.allocate(StateId.OTHER_LENGTH).putInt(bootEpoch).putLong(counter.incrementAndGet()).array();
    }

    private byte[] randomVerifier() {
        byte[] v = new byte[8];
        random.nextBytes(v);
        return v;
    }

    // ---- NFSv4.0 client ids -------------------------------------------------------------

    public record SetClientIdResult(long clientId, byte[] confirmVerifier) {
    }

    /** SETCLIENTID (RFC 7530 section 16.33): a new unconfirmed record, or a callback update. */
    public synchronized SetClientIdResult setClientId(byte[] ownerId, byte[] verifier, String principal,
                                                      String address) throws NfsException {
        return setClientId(ownerId, verifier, principal, address, null);
    }

    /** As above, with the client's callback ({@code null}: none), which takes effect once confirmed. */
    public synchronized SetClientIdResult setClientId(byte[] ownerId, byte[] verifier, String principal,
                                                      String address, ClientCallback callback) throws NfsException {
        ByteBuffer owner = ByteBuffer.wrap(ownerId);
        removeUnconfirmed(unconfirmedByOwner.get(owner));
        ClientRecord existing = confirmedByOwner.get(owner);
        long id = existing != null && Arrays.equals(existing.verifier(), verifier)
                ? existing.clientId() : newClientId();
        ClientRecord c = new ClientRecord(id, owner, verifier, principal, 0, address, randomVerifier(),
                nanoTime.getAsLong());
        if (existing == null) { // a new client, not a reboot or callback update of one already counted
            admitClient(address, 0);
        }
        c.callback(callback);
        addUnconfirmed(c);
        return new SetClientIdResult(id, c.confirmVerifier());
    }

    /**
     * SETCLIENTID_CONFIRM: the unconfirmed record becomes the client; a rebooted client's old state
     * goes. Returns the confirmed client, with the callback of the SETCLIENTID just confirmed, or
     * null for a retransmitted confirm (nothing changed).
     */
    public synchronized ClientRecord confirmClientId(long clientId, byte[] confirmVerifier) throws NfsException {
        ClientRecord c = unconfirmed.get(clientId);
        if (c != null && c.confirmVerifier() != null && Arrays.equals(c.confirmVerifier(), confirmVerifier)) {
            removeUnconfirmed(c);
            ClientRecord old = confirmedByOwner.get(c.ownerId());
            if (old != null && old.clientId() != clientId) {
                expire(old, "it rebooted");
            }
            ClientRecord current = confirmed.get(clientId);
            if (current == null) {
                addConfirmed(c);
                return c;
            }
            ClientCallback previous = current.callback();
            current.callback(c.callback()); // a callback update (RFC 7530 section 16.33.5)
            if (previous != null) {
                previous.close();
            }
            current.renew(nanoTime.getAsLong());
            return current;
        }
        ClientRecord done = confirmed.get(clientId);
        if (done != null && done.confirmVerifier() != null // null for 4.1 clients, which never confirm this way
                && Arrays.equals(done.confirmVerifier(), confirmVerifier)) {
            return null; // a retransmitted confirm
        }
        throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID, "no client " + Long.toHexString(clientId) + " to confirm");
    }

    /** A confirmed client by id; in 4.0 any use of the id renews its lease. */
    public ClientRecord client(long clientId) throws NfsException {
        ClientRecord c = confirmed.get(clientId);
        if (c == null) {
            throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID, "unknown client " + Long.toHexString(clientId));
        }
        c.renew(nanoTime.getAsLong());
        return c;
    }

    // ---- NFSv4.1 client ids and sessions ------------------------------------------------

    /** eia_flags a client may send (RFC 8881 section 18.35.1; SUPP_FENCE_OPS from RFC 7862 is 4.2's). */
    public static final int EXCHGID4_FLAG_SUPP_MOVED_REFER = 0x00000001;
    public static final int EXCHGID4_FLAG_SUPP_MOVED_MIGR = 0x00000002;
    public static final int EXCHGID4_FLAG_SUPP_FENCE_OPS = 0x00000004;
    public static final int EXCHGID4_FLAG_BIND_PRINC_STATEID = 0x00000100;
    public static final int EXCHGID4_FLAG_MASK_PNFS = 0x00070000;
    public static final int EXCHGID4_FLAG_UPD_CONFIRMED_REC_A = 0x40000000;
    private static final int EXCHGID4_FLAGS_41 = EXCHGID4_FLAG_SUPP_MOVED_REFER | EXCHGID4_FLAG_SUPP_MOVED_MIGR
            | EXCHGID4_FLAG_BIND_PRINC_STATEID | EXCHGID4_FLAG_MASK_PNFS | EXCHGID4_FLAG_UPD_CONFIRMED_REC_A;
    /** csa_flags (RFC 8881 section 18.36.1): PERSIST, CONN_BACK_CHAN, CONN_RDMA. */
    private static final int CREATE_SESSION4_FLAGS = 0x1 | 0x2 | 0x4;

    /**
     * EXCHANGE_ID, by the case table of RFC 8881 section 18.35.5 ({@code principal}: who sent it).
     * Without EXCHGID4_FLAG_UPD_CONFIRMED_REC_A: the confirmed record for the same verifier and
     * principal (case 2); CLID_INUSE for another principal while that record holds state (3);
     * otherwise a new unconfirmed record with a new client id, replacing any unconfirmed one, for a
     * new owner (1), a rebooted client (4, its old state goes when the new record is confirmed), an
     * unconfirmed record (5), or another principal's stateless record (3). With the flag: the
     * confirmed record (6), NOT_SAME for another verifier (8), PERM for another principal (7),
     * NOENT when there is none (9). Undefined flags, or the server's own, are INVAL.
     */
    public synchronized ClientRecord exchangeId(byte[] ownerId, byte[] verifier, int flags, String principal,
                                                int minorVersion, String address) throws NfsException {
        int allowed = EXCHGID4_FLAGS_41 | (minorVersion >= 2 ? EXCHGID4_FLAG_SUPP_FENCE_OPS : 0);
        if ((flags & ~allowed) != 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL,
                    "eia_flags 0x" + Integer.toHexString(flags & ~allowed) + " are not a client's to send");
        }
        ByteBuffer owner = ByteBuffer.wrap(ownerId);
        ClientRecord existing = confirmedByOwner.get(owner);
        boolean samePrincipal = existing != null && existing.principal().equals(principal);
        boolean sameVerifier = existing != null && Arrays.equals(existing.verifier(), verifier);
        if ((flags & EXCHGID4_FLAG_UPD_CONFIRMED_REC_A) != 0) {
            if (existing == null) {
                throw new NfsException(NfsStatus.NFS4ERR_NOENT, "no confirmed client record to update");
            }
            if (!samePrincipal) {
                throw new NfsException(NfsStatus.NFS4ERR_PERM, "the client record belongs to another principal");
            }
            if (!sameVerifier) {
                throw new NfsException(NfsStatus.NFS4ERR_NOT_SAME, "the verifier changed: not an update");
            }
            existing.renew(nanoTime.getAsLong());
            return existing;
        }
        if (existing != null && !samePrincipal && hasState(existing)) {
            throw new NfsException(NfsStatus.NFS4ERR_CLID_INUSE, "the owner id is in use by another principal");
        }
        if (samePrincipal && sameVerifier) {
            existing.renew(nanoTime.getAsLong());
            return existing;
        }
        removeUnconfirmed(unconfirmedByOwner.get(owner));
        if (existing == null) { // a new client, not a reboot of one already counted
            admitClient(address, minorVersion);
        }
        ClientRecord c = new ClientRecord(newClientId(), owner, verifier, principal, minorVersion, address, null,
                nanoTime.getAsLong());
        addUnconfirmed(c);
        return c;
    }

    /** The client-id limits, making room by forgetting the oldest unconfirmed records first. */
    private void admitClient(String address, int minorVersion) throws NfsException {
        limits.admitClient(address, minorVersion, confirmed.values(), unconfirmed.values(), this::removeUnconfirmed);
    }

    private boolean hasState(ClientRecord c) {
        return !c.sessions.isEmpty() || opens.openCount(c) > 0 || delegations.count(c) > 0;
    }

    /**
     * CREATE_SESSION's checks before any client is looked up (RFC 8881 section 18.36.3): undefined
     * {@code csa_flags} are INVAL; fore-channel limits too small for any COMPOUND are TOOSMALL.
     */
    public static void checkCreateSession(int flags, ChannelAttributes fore) throws NfsException {
        if ((flags & ~CREATE_SESSION4_FLAGS) != 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "csa_flags 0x" + Integer.toHexString(flags));
        }
        fore.checkLargeEnough();
    }

    /**
     * The record CREATE_SESSION names, confirmed or not: STALE_CLIENTID if there is none, and
     * CLID_INUSE if another principal than the one that made it asks (RFC 8881 section 18.36.4).
     */
    public ClientRecord clientForCreateSession(long clientId, String principal) throws NfsException {
        ClientRecord c = confirmed.get(clientId);
        if (c == null) {
            c = unconfirmed.get(clientId);
        }
        if (c == null) {
            throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID, "unknown client " + Long.toHexString(clientId));
        }
        if (!c.principal().equals(principal)) {
            throw new NfsException(NfsStatus.NFS4ERR_CLID_INUSE, "client " + Long.toHexString(clientId)
                    + " belongs to another principal");
        }
        return c;
    }

    /** What a CREATE_SESSION with a new csa_sequence does: makes the session and encodes the reply. */
    @FunctionalInterface
    public interface NewSession {
        /** Returns the reply's bytes, cached for a retransmission. */
        byte[] create() throws NfsException;
    }

    /** CREATE_SESSION's reply: {@code replay} if it is the cached reply of an earlier copy of the request. */
    public record CreateSessionReply(byte[] bytes, boolean replay) {
    }

    /**
     * CREATE_SESSION's own one-slot sequence (RFC 8881 section 18.36.4), checked and advanced
     * atomically per client: a new csa_sequence runs {@code create} and caches its reply; a
     * retransmission of the last gets that reply; any other is SEQ_MISORDERED. Two copies of one
     * request (a retransmission over a second connection) are serialized on the client's
     * {@link ClientRecord#createSessionLock}: the second waits for the first and gets its reply,
     * never a second session. If {@code create} fails the sequence stays, for the client's retry.
     */
    public CreateSessionReply createSessionOnce(ClientRecord c, int sequence, NewSession create) throws NfsException {
        synchronized (c.createSessionLock) {
            int expected = c.createSessionSequence();
            if (sequence == expected - 1 && c.createSessionReply() != null) {
                return new CreateSessionReply(c.createSessionReply(), true);
            }
            if (sequence != expected) {
                throw new NfsException(NfsStatus.NFS4ERR_SEQ_MISORDERED, "CREATE_SESSION expects sequence " + expected);
            }
            byte[] reply = create.create();
            c.createSessionDone(sequence + 1, reply);
            return new CreateSessionReply(reply, false);
        }
    }

    /** The csa_sequence the client's next CREATE_SESSION must carry (eir_sequenceid). */
    public int createSessionSequence(ClientRecord c) {
        return c.createSessionSequence();
    }

    public void reclaimComplete(ClientRecord c) {
        c.setReclaimComplete();
    }

    /**
     * Creates a session, confirming the client if this is its first (replacing a rebooted
     * predecessor). The caller binds the connection it came on. CREATE_SESSION calls it from
     * {@link #createSessionOnce}, which checks the request's sequence.
     */
    public synchronized Session createSession(ClientRecord c, ChannelAttributes fore) throws NfsException {
        if (c.confirmed()) {
            if (confirmed.get(c.clientId()) != c) {
                throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID, "client " + Long.toHexString(c.clientId())
                        + " was dropped meanwhile");
            }
            limits.admitSession(c); // an unconfirmed client has no session yet
        } else {
            if (unconfirmed.get(c.clientId()) != c) {
                throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID, "client " + Long.toHexString(c.clientId())
                        + " was replaced meanwhile");
            }
            removeUnconfirmed(c);
            ClientRecord old = confirmedByOwner.get(c.ownerId());
            if (old != null) {
                expire(old, "it rebooted");
            }
            addConfirmed(c);
        }
        byte[] id = ByteBuffer.allocate(16).putInt(bootEpoch).putLong(counter.incrementAndGet())
                .putInt(random.nextInt()).array();
        Session s = new Session(id, c, fore);
        sessions.put(ByteBuffer.wrap(id), s);
        c.sessions.add(s);
        c.renew(nanoTime.getAsLong());
        return s;
    }

    public Session session(byte[] sessionId) throws NfsException {
        Session s = sessions.get(ByteBuffer.wrap(sessionId));
        if (s == null) {
            throw new NfsException(NfsStatus.NFS4ERR_BADSESSION);
        }
        return s;
    }

    /** SEQUENCE renews the lease of the session's client. */
    public void renew(ClientRecord c) {
        c.renew(nanoTime.getAsLong());
    }

    /**
     * DESTROY_SESSION, which must come over a connection bound to the session (RFC 8881 section
     * 18.37.3), else CONN_NOT_BOUND_TO_SESSION.
     */
    public synchronized void destroySession(byte[] sessionId, Object connection) throws NfsException {
        Session s = session(sessionId);
        if (!s.isBound(connection)) {
            throw new NfsException(NfsStatus.NFS4ERR_CONN_NOT_BOUND_TO_SESSION);
        }
        sessions.remove(ByteBuffer.wrap(sessionId));
        s.client().sessions.remove(s);
    }

    public synchronized void destroyClientId(long clientId) throws NfsException {
        ClientRecord c = confirmed.get(clientId);
        if (c == null) {
            c = unconfirmed.get(clientId);
            if (c == null) {
                throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID);
            }
            removeUnconfirmed(c);
            return;
        }
        if (!c.sessions.isEmpty()) {
            throw new NfsException(NfsStatus.NFS4ERR_CLIENTID_BUSY);
        }
        expire(c, "it asked to be destroyed");
    }

    // ---- stateids -----------------------------------------------------------------------

    /**
     * The open a stateid names, checked: STALE_STATEID (4.0) or BAD_STATEID for another server
     * instance's or an unknown stateid, OLD_STATEID for an outdated seqid; seqid 0 means "current"
     * in 4.1.
     */
    public OpenState openState(StateId id, int minorVersion) throws NfsException {
        ByteBuffer other = checkEpoch(id, minorVersion);
        return checkSeqid(id, minorVersion, opens.open(other));
    }

    /** The lock state a stateid names, checked as {@link #openState} checks opens. */
    public LockState lockState(StateId id, int minorVersion) throws NfsException {
        ByteBuffer other = checkEpoch(id, minorVersion);
        return checkSeqid(id, minorVersion, opens.lock(other));
    }

    /**
     * The open, lock state or delegation a stateid names (READ and SEEK take any); a revoked
     * delegation is DELEG_REVOKED.
     */
    public StateEntry anyState(StateId id, int minorVersion) throws NfsException {
        StateEntry s = anyStateEvenRevoked(id, minorVersion);
        if (s instanceof Delegation d && d.revoked()) {
            throw new NfsException(NfsStatus.NFS4ERR_DELEG_REVOKED, "delegation " + id + " was revoked");
        }
        return s;
    }

    /** As {@link #anyState}, but a revoked delegation is returned (FREE_STATEID frees it). */
    public StateEntry anyStateEvenRevoked(StateId id, int minorVersion) throws NfsException {
        ByteBuffer other = checkEpoch(id, minorVersion);
        LockState lock = opens.lock(other);
        StateEntry s = lock != null ? lock : opens.open(other);
        return checkSeqid(id, minorVersion, s != null ? s : delegations.get(other));
    }

    /** The delegation a stateid names, checked as {@link #openState} checks opens; revoked ones included. */
    public Delegation delegation(StateId id, int minorVersion) throws NfsException {
        ByteBuffer other = checkEpoch(id, minorVersion);
        return checkSeqid(id, minorVersion, delegations.get(other));
    }

    private ByteBuffer checkEpoch(StateId id, int minorVersion) throws NfsException {
        ByteBuffer other = ByteBuffer.wrap(id.other());
        if (other.getInt(0) != bootEpoch) {
            throw new NfsException(minorVersion == 0 ? NfsStatus.NFS4ERR_STALE_STATEID : NfsStatus.NFS4ERR_BAD_STATEID,
                    "stateid from another server instance");
        }
        return other;
    }

    private <T extends StateEntry> T checkSeqid(StateId id, int minorVersion, T s) throws NfsException {
        if (s == null) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "unknown stateid " + id);
        }
        int current = s.seqid();
        if (!(minorVersion > 0 && id.seqid() == 0)) {
            if (Integer.compareUnsigned(id.seqid(), current) > 0) {
                throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "stateid from the future " + id);
            }
            if (id.seqid() != current) {
                throw new NfsException(NfsStatus.NFS4ERR_OLD_STATEID);
            }
        }
        if (minorVersion == 0) {
            s.client().renew(nanoTime.getAsLong());
        }
        return s;
    }

    /** Hash parts of the store paths that have files open on some client right now. */
    public Set<String> openStorePaths() {
        return opens.openStorePaths();
    }

    /** How many opens clients hold on files of this store path: GC must not delete it while non-zero. */
    public int openCount(String storePathHash) {
        return opens.openCount(storePathHash);
    }

    // ---- leases -------------------------------------------------------------------------

    /** Expires every client that has not renewed its lease within the lease time. Returns how many. */
    public synchronized int expireStaleClients() {
        long now = nanoTime.getAsLong();
        List<ClientRecord> stale = new ArrayList<>();
        for (ClientRecord c : confirmed.values()) {
            if (now - c.lastRenewNanos() > leaseNanos) {
                stale.add(c);
            }
        }
        for (ClientRecord c : List.copyOf(unconfirmed.values())) {
            if (now - c.lastRenewNanos() > leaseNanos) {
                removeUnconfirmed(c);
            }
        }
        for (ClientRecord c : stale) {
            expire(c, "its lease expired");
        }
        int revoked = delegations.revokeOverdue(now, leaseNanos);
        if (revoked > 0) {
            log.info("revoked {} delegations not returned within a lease of their recall", revoked);
        }
        return stale.size();
    }

    private void expire(ClientRecord c, String why) {
        log.info("dropping client {} ({}) because {}: {} sessions, {} opens", Long.toHexString(c.clientId()),
                c.address(), why, c.sessions.size(), opens.openCount(c));
        confirmed.remove(c.clientId(), c);
        confirmedByOwner.remove(c.ownerId(), c);
        for (Session s : c.sessions) {
            sessions.remove(ByteBuffer.wrap(s.id()));
        }
        c.sessions.clear();
        opens.removeClient(c);
        delegations.removeClient(c);
        ClientCallback callback = c.callback();
        if (callback != null) {
            callback.close();
        }
    }

    private void addConfirmed(ClientRecord c) {
        c.confirm();
        confirmed.put(c.clientId(), c);
        confirmedByOwner.put(c.ownerId(), c);
    }

    private void addUnconfirmed(ClientRecord c) {
        unconfirmed.put(c.clientId(), c);
        unconfirmedByOwner.put(c.ownerId(), c);
    }

    private void removeUnconfirmed(ClientRecord c) {
        if (c != null) {
            unconfirmed.remove(c.clientId(), c);
            unconfirmedByOwner.remove(c.ownerId(), c);
        }
    }

    public StateLimits limits() {
        return limits;
    }

    public int clientCount() {
        return confirmed.size();
    }

    public int sessionCount() {
        return sessions.size();
    }

    public int openCount() {
        return opens.openCount();
    }
}
