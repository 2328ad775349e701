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
 * reservations are recorded, never enforced, and reclaims need no grace-period blocking.
 *
 * <p>This class keeps client ids, sessions and leases; opens and locks are in {@link OpenTable},
 * and stateids are checked here (they name this instance's epoch and may renew a 4.0 lease).
 *
 * <p><b>Locking rule.</b> Every method that adds, replaces or removes a client or a session is
 * {@code synchronized} on this StateManager, expiry included, and keeps all maps consistent
 * before it returns. Lookups by id (client id, session id, stateid) are lock-free reads of
 * concurrent maps, and renewing a lease is a volatile write, so SEQUENCE and READ take no lock
 * here. A client is dropped by removing it from the maps first and then ending its opens in
 * {@link OpenTable} (under that table's monitor, taken second); the table refuses new opens for
 * a dropped client, so no open outlives its client.
 */
public final class StateManager {
    private static final Logger log = LoggerFactory.getLogger(StateManager.class);

    private final int leaseSeconds;
    private final long leaseNanos;
    private final LongSupplier nanoTime;
    private final long graceEndNanos;
    private final int bootEpoch;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong counter = new AtomicLong();

    private final Map<Long, ClientRecord> confirmed = new ConcurrentHashMap<>();
    private final Map<Long, ClientRecord> unconfirmed = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, ClientRecord> confirmedByOwner = new HashMap<>();
    private final Map<ByteBuffer, ClientRecord> unconfirmedByOwner = new HashMap<>();
    private final Map<ByteBuffer, Session> sessions = new ConcurrentHashMap<>();
    private final OpenTable opens = new OpenTable(this::newOther);

    public StateManager(int leaseSeconds, LongSupplier nanoTime) {
        this.leaseSeconds = leaseSeconds;
        this.leaseNanos = TimeUnit.SECONDS.toNanos(leaseSeconds);
        this.nanoTime = nanoTime;
        this.graceEndNanos = nanoTime.getAsLong() + leaseNanos;
        this.bootEpoch = random.nextInt();
    }

    public int leaseSeconds() {
        return leaseSeconds;
    }

    /** Opens and byte-range locks. */
    public OpenTable opens() {
        return opens;
    }

    /** After a restart, clients may reclaim (CLAIM_PREVIOUS) their opens for one lease period. */
    public boolean inGrace() {
        return nanoTime.getAsLong() < graceEndNanos;
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
    public synchronized SetClientIdResult setClientId(byte[] ownerId, byte[] verifier, String address) {
        ByteBuffer owner = ByteBuffer.wrap(ownerId);
        removeUnconfirmed(unconfirmedByOwner.get(owner));
        ClientRecord existing = confirmedByOwner.get(owner);
        long id = existing != null && Arrays.equals(existing.verifier(), verifier)
                ? existing.clientId() : newClientId();
        ClientRecord c = new ClientRecord(id, owner, verifier, 0, address, randomVerifier(), nanoTime.getAsLong());
        addUnconfirmed(c);
        return new SetClientIdResult(id, c.confirmVerifier());
    }

    /** SETCLIENTID_CONFIRM: the unconfirmed record becomes the client; a rebooted client's old state goes. */
    public synchronized void confirmClientId(long clientId, byte[] confirmVerifier) throws NfsException {
        ClientRecord c = unconfirmed.get(clientId);
        if (c != null && Arrays.equals(c.confirmVerifier(), confirmVerifier)) {
            removeUnconfirmed(c);
            ClientRecord old = confirmedByOwner.get(c.ownerId());
            if (old != null && old.clientId() != clientId) {
                expire(old, "it rebooted");
            }
            ClientRecord current = confirmed.get(clientId);
            if (current == null) {
                addConfirmed(c);
            } else {
                current.renew(nanoTime.getAsLong()); // callback update: nothing else to change, we never call back
            }
            return;
        }
        ClientRecord done = confirmed.get(clientId);
        if (done != null && Arrays.equals(done.confirmVerifier(), confirmVerifier)) {
            return; // a retransmitted confirm
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

    /** EXCHANGE_ID (RFC 8881 section 18.35): the existing client for a known owner and verifier, else a new one. */
    public synchronized ClientRecord exchangeId(byte[] ownerId, byte[] verifier, int minorVersion, String address) {
        ByteBuffer owner = ByteBuffer.wrap(ownerId);
        ClientRecord existing = confirmedByOwner.get(owner);
        if (existing != null && Arrays.equals(existing.verifier(), verifier)) {
            existing.renew(nanoTime.getAsLong());
            return existing;
        }
        ClientRecord pending = unconfirmedByOwner.get(owner);
        if (pending != null && Arrays.equals(pending.verifier(), verifier)) {
            return pending;
        }
        removeUnconfirmed(pending);
        ClientRecord c = new ClientRecord(newClientId(), owner, verifier, minorVersion, address, null,
                nanoTime.getAsLong());
        addUnconfirmed(c);
        return c;
    }

    /** The record CREATE_SESSION names, confirmed or not. */
    public ClientRecord clientForCreateSession(long clientId) throws NfsException {
        ClientRecord c = confirmed.get(clientId);
        if (c == null) {
            c = unconfirmed.get(clientId);
        }
        if (c == null) {
            throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID, "unknown client " + Long.toHexString(clientId));
        }
        return c;
    }

    /** CREATE_SESSION's sequence check: true for a new request, false for a replay of the last. */
    public boolean admitCreateSession(ClientRecord c, int sequence) throws NfsException {
        int expected = c.createSessionSequence();
        if (sequence == expected) {
            return true;
        }
        if (sequence == expected - 1 && c.createSessionReply() != null) {
            return false;
        }
        throw new NfsException(NfsStatus.NFS4ERR_SEQ_MISORDERED, "CREATE_SESSION expects sequence " + expected);
    }

    /** The csa_sequence the client's next CREATE_SESSION must carry (eir_sequenceid). */
    public int createSessionSequence(ClientRecord c) {
        return c.createSessionSequence();
    }

    public void reclaimComplete(ClientRecord c) {
        c.setReclaimComplete();
    }

    public byte[] cachedCreateSessionReply(ClientRecord c) {
        return c.createSessionReply();
    }

    /** Creates a session, confirming the client if this is its first (replacing a rebooted predecessor). */
    public synchronized Session createSession(ClientRecord c, ChannelAttributes fore) throws NfsException {
        if (c.confirmed()) {
            if (confirmed.get(c.clientId()) != c) {
                throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID, "client " + Long.toHexString(c.clientId())
                        + " was dropped meanwhile");
            }
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

    public void createSessionDone(ClientRecord c, int sequence, byte[] reply) {
        c.createSessionDone(sequence + 1, reply);
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

    public synchronized void destroySession(byte[] sessionId) throws NfsException {
        Session s = sessions.remove(ByteBuffer.wrap(sessionId));
        if (s == null) {
            throw new NfsException(NfsStatus.NFS4ERR_BADSESSION);
        }
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

    /** The open or lock state a stateid names (READ and SEEK take either). */
    public StateEntry anyState(StateId id, int minorVersion) throws NfsException {
        ByteBuffer other = checkEpoch(id, minorVersion);
        LockState lock = opens.lock(other);
        return checkSeqid(id, minorVersion, lock != null ? lock : opens.open(other));
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
