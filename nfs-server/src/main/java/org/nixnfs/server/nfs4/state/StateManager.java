package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.nixnfs.server.nfs4.NfsException;
import org.nixnfs.server.nfs4.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;
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
    private final StateLimits limits;

    private final Map<Long, ClientRecord> confirmed = new ConcurrentHashMap<>();
    private final Map<Long, ClientRecord> unconfirmed = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, Session> sessions = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, OpenState> opensByOther = new ConcurrentHashMap<>();
    private final Map<OpenKey, OpenState> opensByOwnerAndFile = new ConcurrentHashMap<>();
    private final Map<String, Integer> openCountByStorePath = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, LockState> locksByOther = new ConcurrentHashMap<>();
    private final Map<OpenKey, LockState> locksByOwnerAndFile = new ConcurrentHashMap<>();

    private record OpenKey(long clientId, ByteBuffer owner, FileHandle file) {
    }

    public StateManager(int leaseSeconds, LongSupplier nanoTime) {
        this(leaseSeconds, nanoTime, StateLimits.defaults());
    }

    public StateManager(int leaseSeconds, LongSupplier nanoTime, StateLimits limits) {
        this.limits = limits;
        this.leaseSeconds = leaseSeconds;
        this.leaseNanos = TimeUnit.SECONDS.toNanos(leaseSeconds);
        this.nanoTime = nanoTime;
        this.graceEndNanos = nanoTime.getAsLong() + leaseNanos;
        this.bootEpoch = random.nextInt();
    }

    public int leaseSeconds() {
        return leaseSeconds;
    }

    /** The server's boot verifier for this instance (used in replies that need one). */
    public byte[] bootVerifier() {
        return ByteBuffer.allocate(8).putInt(bootEpoch).putInt(0).array();
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
    public synchronized SetClientIdResult setClientId(byte[] ownerId, byte[] verifier, String address)
            throws NfsException {
        ByteBuffer owner = ByteBuffer.wrap(ownerId);
        unconfirmed.values().removeIf(c -> c.ownerId().equals(owner));
        ClientRecord existing = findByOwner(confirmed, owner);
        long id = existing != null && java.util.Arrays.equals(existing.verifier(), verifier)
                ? existing.clientId() : newClientId();
        ClientRecord c = new ClientRecord(id, owner, verifier, 0, address, randomVerifier(), nanoTime.getAsLong());
        if (existing == null) limits.admitClient(address, 0, confirmed.values(), unconfirmed); // a new client, not a reboot
        unconfirmed.put(id, c);
        return new SetClientIdResult(id, c.confirmVerifier());
    }

    /** SETCLIENTID_CONFIRM: the unconfirmed record becomes the client; a rebooted client's old state goes. */
    public synchronized void confirmClientId(long clientId, byte[] confirmVerifier) throws NfsException {
        ClientRecord c = unconfirmed.get(clientId);
        if (c != null && c.confirmVerifier() != null && java.util.Arrays.equals(c.confirmVerifier(), confirmVerifier)) {
            unconfirmed.remove(clientId);
            ClientRecord old = findByOwner(confirmed, c.ownerId());
            if (old != null && old.clientId() != clientId) {
                expire(old, "it rebooted");
            }
            ClientRecord current = confirmed.get(clientId);
            if (current == null) {
                c.confirm();
                confirmed.put(clientId, c);
            } else {
                current.renew(nanoTime.getAsLong()); // callback update: nothing else to change, we never call back
            }
            return;
        }
        ClientRecord done = confirmed.get(clientId);
        if (done != null && done.confirmVerifier() != null // null for 4.1 clients, which never confirm this way
                && java.util.Arrays.equals(done.confirmVerifier(), confirmVerifier)) {
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
    public synchronized ClientRecord exchangeId(byte[] ownerId, byte[] verifier, int minorVersion, String address)
            throws NfsException {
        ByteBuffer owner = ByteBuffer.wrap(ownerId);
        ClientRecord existing = findByOwner(confirmed, owner);
        if (existing != null && java.util.Arrays.equals(existing.verifier(), verifier)) {
            existing.renew(nanoTime.getAsLong());
            return existing;
        }
        ClientRecord pending = findByOwner(unconfirmed, owner);
        if (pending != null && java.util.Arrays.equals(pending.verifier(), verifier)) {
            return pending;
        }
        if (pending != null) {
            unconfirmed.remove(pending.clientId());
        }
        if (existing == null) limits.admitClient(address, minorVersion, confirmed.values(), unconfirmed);
        ClientRecord c = new ClientRecord(newClientId(), owner, verifier, minorVersion, address, null,
                nanoTime.getAsLong());
        unconfirmed.put(c.clientId(), c);
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
        limits.admitSession(c);
        if (!c.confirmed()) {
            unconfirmed.remove(c.clientId());
            ClientRecord old = findByOwner(confirmed, c.ownerId());
            if (old != null) {
                expire(old, "it rebooted");
            }
            c.confirm();
            confirmed.put(c.clientId(), c);
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

    public void destroySession(byte[] sessionId) throws NfsException {
        Session s = sessions.remove(ByteBuffer.wrap(sessionId));
        if (s == null) {
            throw new NfsException(NfsStatus.NFS4ERR_BADSESSION);
        }
        s.client().sessions.remove(s);
    }

    public synchronized void destroyClientId(long clientId) throws NfsException {
        ClientRecord c = confirmed.get(clientId);
        if (c == null) {
            c = unconfirmed.remove(clientId);
            if (c == null) {
                throw new NfsException(NfsStatus.NFS4ERR_STALE_CLIENTID);
            }
            return;
        }
        if (!c.sessions.isEmpty()) {
            throw new NfsException(NfsStatus.NFS4ERR_CLIENTID_BUSY);
        }
        expire(c, "it asked to be destroyed");
    }

    // ---- opens --------------------------------------------------------------------------

    /** OPEN: the owner's open of this file, created or upgraded, with its new stateid. */
    public StateId open(ClientRecord c, byte[] openOwner, FileHandle file, String storePathHash, int access, int deny)
            throws NfsException {
        OpenKey key = new OpenKey(c.clientId(), ByteBuffer.wrap(openOwner), file);
        if (!opensByOwnerAndFile.containsKey(key)) limits.admitOpen(c, opensByOther.size());
        OpenState s = opensByOwnerAndFile.computeIfAbsent(key, k -> {
            OpenState n = new OpenState(newOther(), c, k.owner(), file, storePathHash);
            opensByOther.put(ByteBuffer.wrap(n.other()), n);
            c.opens.add(n);
            if (storePathHash != null) {
                openCountByStorePath.merge(storePathHash, 1, Integer::sum);
            }
            return n;
        });
        return s.upgrade(access, deny);
    }

    /**
     * The open a stateid names, checked: STALE_STATEID (4.0) or BAD_STATEID for another server
     * instance's or an unknown stateid, OLD_STATEID for an outdated seqid; seqid 0 means "current"
     * in 4.1.
     */
    public OpenState openState(StateId id, int minorVersion) throws NfsException {
        return checked(id, minorVersion, opensByOther);
    }

    /** The lock state a stateid names, checked as {@link #openState} checks opens. */
    public LockState lockState(StateId id, int minorVersion) throws NfsException {
        return checked(id, minorVersion, locksByOther);
    }

    /** The open or lock state a stateid names (READ and SEEK take either). */
    public StateEntry anyState(StateId id, int minorVersion) throws NfsException {
        return locksByOther.containsKey(ByteBuffer.wrap(id.other())) ? lockState(id, minorVersion)
                : openState(id, minorVersion);
    }

    private <T extends StateEntry> T checked(StateId id, int minorVersion, Map<ByteBuffer, T> states)
            throws NfsException {
        ByteBuffer other = ByteBuffer.wrap(id.other());
        if (other.getInt(0) != bootEpoch) {
            throw new NfsException(minorVersion == 0 ? NfsStatus.NFS4ERR_STALE_STATEID : NfsStatus.NFS4ERR_BAD_STATEID,
                    "stateid from another server instance");
        }
        T s = states.get(other);
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

    // ---- byte-range locks (read locks only) ------------------------------------------------

    /** LOCK by a new lock-owner under an open: its lock state, created or reused, with a new stateid. */
    public StateId lock(OpenState open, byte[] lockOwner) throws NfsException {
        OpenKey key = new OpenKey(open.client().clientId(), ByteBuffer.wrap(lockOwner), open.file());
        if (!locksByOwnerAndFile.containsKey(key)) limits.admitLock(open.client(), locksByOther.size());
        LockState s = locksByOwnerAndFile.computeIfAbsent(key, k -> {
            LockState n = new LockState(newOther(), open.client(), k.owner(), open);
            locksByOther.put(ByteBuffer.wrap(n.other()), n);
            open.locks.add(n);
            return n;
        });
        return s.bump();
    }

    /** LOCK or LOCKU by an existing lock-owner: the next stateid. */
    public StateId relock(LockState s) {
        return s.bump();
    }

    /** Another owner holding locks on this file, if any (what a write-lock test conflicts with). */
    public LockState otherLockHolder(FileHandle file, long clientId, byte[] lockOwner) {
        ByteBuffer owner = ByteBuffer.wrap(lockOwner);
        for (LockState s : locksByOther.values()) {
            if (s.file().equals(file) && !(s.client().clientId() == clientId && s.lockOwner().equals(owner))) {
                return s;
            }
        }
        return null;
    }

    /** FREE_STATEID of a lock state, or RELEASE_LOCKOWNER. */
    public void freeLock(LockState s) {
        if (locksByOther.remove(ByteBuffer.wrap(s.other())) != null) {
            locksByOwnerAndFile.remove(new OpenKey(s.client().clientId(), s.lockOwner(), s.file()));
            s.open().locks.remove(s);
        }
    }

    /** RELEASE_LOCKOWNER (4.0): forgets the owner's lock states. */
    public void releaseLockOwner(long clientId, byte[] lockOwner) {
        ByteBuffer owner = ByteBuffer.wrap(lockOwner);
        for (LockState s : List.copyOf(locksByOther.values())) {
            if (s.client().clientId() == clientId && s.lockOwner().equals(owner)) {
                freeLock(s);
            }
        }
    }

    public StateId downgrade(OpenState s, int access, int deny) throws NfsException {
        if ((access & ~s.shareAccess()) != 0 || (deny & ~s.shareDeny()) != 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "OPEN_DOWNGRADE may only drop share bits");
        }
        return s.downgrade(access, deny);
    }

    /** OPEN_CONFIRM (4.0): nothing to confirm since we never ask for it, but the seqid advances. */
    public StateId confirmOpen(OpenState s) {
        return s.bump();
    }

    public StateId close(OpenState s) {
        StateId last = s.bump();
        remove(s);
        return last;
    }

    private void remove(OpenState s) {
        for (LockState l : List.copyOf(s.locks)) {
            freeLock(l); // locks end with the open they were taken under
        }
        if (opensByOther.remove(ByteBuffer.wrap(s.other())) != null) {
            opensByOwnerAndFile.remove(new OpenKey(s.client().clientId(), s.openOwner(), s.file()));
            s.client().opens.remove(s);
            if (s.storePathHash() != null) {
                openCountByStorePath.computeIfPresent(s.storePathHash(), (k, n) -> n > 1 ? n - 1 : null);
            }
        }
    }

    /** Hash parts of the store paths that have files open on some client right now. */
    public java.util.Set<String> openStorePaths() {
        return java.util.Set.copyOf(openCountByStorePath.keySet());
    }

    /** How many opens clients hold on files of this store path: GC must not delete it while non-zero. */
    public int openCount(String storePathHash) {
        return openCountByStorePath.getOrDefault(storePathHash, 0);
    }

    // ---- leases -------------------------------------------------------------------------

    /** Expires every client that has not renewed its lease within the lease time. Returns how many. */
    public int expireStaleClients() {
        long now = nanoTime.getAsLong();
        List<ClientRecord> stale = new ArrayList<>();
        for (ClientRecord c : confirmed.values()) {
            if (now - c.lastRenewNanos() > leaseNanos) {
                stale.add(c);
            }
        }
        unconfirmed.values().removeIf(c -> now - c.lastRenewNanos() > leaseNanos);
        synchronized (this) {
            for (ClientRecord c : stale) {
                if (now - c.lastRenewNanos() > leaseNanos && confirmed.get(c.clientId()) == c) {
                    expire(c, "its lease expired");
                }
            }
        }
        return stale.size();
    }

    private void expire(ClientRecord c, String why) {
        log.info("dropping client {} ({}) because {}: {} sessions, {} opens", Long.toHexString(c.clientId()),
                c.address(), why, c.sessions.size(), c.opens.size());
        confirmed.remove(c.clientId(), c);
        for (Session s : c.sessions) {
            sessions.remove(ByteBuffer.wrap(s.id()));
        }
        c.sessions.clear();
        for (OpenState s : List.copyOf(c.opens)) {
            remove(s);
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
        return opensByOther.size();
    }

    private static ClientRecord findByOwner(Map<Long, ClientRecord> m, ByteBuffer owner) {
        for (ClientRecord c : m.values()) {
            if (c.ownerId().equals(owner)) {
                return c;
            }
        }
        return null;
    }
}
