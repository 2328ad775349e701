package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;

/**
 * The opens and byte-range lock states of every client, indexed by every key an operation asks
 * with, so that none of them scans the server's state: by stateid ({@code other}), by owner and
 * file, by file (LOCKT's conflicts), by lock-owner (RELEASE_LOCKOWNER), by client (expiry) and by
 * store path (GC must not delete a path with open files), and lock states counted by client.
 * New opens and lock states are admitted by the {@link StateLimits} (per client and on the
 * server), checked under the monitor (they take no lock); delegations are in {@link DelegationTable}.
 *
 * <p><b>Locking rule.</b> Every change to the table runs under its monitor and updates all indexes
 * together (a state's own seqid and share bits are guarded by the state). The stateid indexes are concurrent maps read without the monitor (READ checks its
 * stateid on every call): a state is added to them last and removed from them first, so a
 * lock-free reader sees a state either whole or not at all. Nothing here calls out to
 * {@link StateManager}; it calls in, possibly holding its own monitor (order: StateManager, then
 * OpenTable, never the reverse).
 */
public final class OpenTable {
    /** Who an open or lock state belongs to: one owner of one client on one file. */
    private record OwnerFileKey(long clientId, ByteBuffer owner, FileHandle file) {
    }

    private record OwnerKey(long clientId, ByteBuffer owner) {
    }

    private final StateIds ids;
    private final StateLimits limits;
    private final Map<ByteBuffer, OpenState> opensByOther = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, LockState> locksByOther = new ConcurrentHashMap<>();
    private final Map<OwnerFileKey, OpenState> opensByOwnerAndFile = new HashMap<>();
    private final Map<OwnerFileKey, LockState> locksByOwnerAndFile = new HashMap<>();
    private final Map<FileHandle, Set<LockState>> locksByFile = new HashMap<>();
    private final Map<OwnerKey, Set<LockState>> locksByOwner = new HashMap<>();
    private final Map<Long, Set<OpenState>> opensByClient = new HashMap<>();
    private final Map<Long, Integer> lockCountByClient = new HashMap<>();
    private final Map<String, Integer> openCountByStorePath = new ConcurrentHashMap<>();

    /** Makes the {@code other} part of new stateids. */
    interface StateIds {
        byte[] newOther();
    }

    OpenTable(StateIds ids, StateLimits limits) {
        this.ids = ids;
        this.limits = limits;
    }

    /** OPEN: the owner's open of this file, created or upgraded, with its new stateid. */
    public synchronized StateId open(ClientRecord c, byte[] openOwner, FileHandle file, String storePathHash,
                                     int access, int deny) throws NfsException {
        if (c.expired()) {
            throw new NfsException(NfsStatus.NFS4ERR_EXPIRED, "client " + Long.toHexString(c.clientId()) + " expired");
        }
        OwnerFileKey key = new OwnerFileKey(c.clientId(), ByteBuffer.wrap(openOwner), file);
        OpenState s = opensByOwnerAndFile.get(key);
        if (s == null) {
            limits.admitOpen(c, opensByClient.getOrDefault(c.clientId(), Set.of()).size(), opensByOther.size());
            s = new OpenState(ids.newOther(), c, key.owner(), file, storePathHash);
            opensByOwnerAndFile.put(key, s);
            opensByClient.computeIfAbsent(c.clientId(), k -> new HashSet<>()).add(s);
            if (storePathHash != null) {
                openCountByStorePath.merge(storePathHash, 1, Integer::sum);
            }
            opensByOther.put(ByteBuffer.wrap(s.other()), s);
        }
        return s.upgrade(access, deny);
    }

    /** CLOSE: ends the open and the lock states taken under it; returns the open's last stateid. */
    public synchronized StateId close(OpenState s) {
        StateId last = s.bump();
        remove(s);
        return last;
    }

    /** LOCK by a new lock-owner under an open: its lock state, created or reused, with a new stateid. */
    public synchronized StateId lock(OpenState open, byte[] lockOwner) throws NfsException {
        if (opensByOther.get(ByteBuffer.wrap(open.other())) != open) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "the open was closed");
        }
        long clientId = open.client().clientId();
        OwnerFileKey key = new OwnerFileKey(clientId, ByteBuffer.wrap(lockOwner), open.file());
        LockState s = locksByOwnerAndFile.get(key);
        if (s == null) {
            limits.admitLock(open.client(), lockCountByClient.getOrDefault(clientId, 0), locksByOther.size());
            s = new LockState(ids.newOther(), open.client(), key.owner(), open);
            locksByOwnerAndFile.put(key, s);
            lockCountByClient.merge(clientId, 1, Integer::sum);
            locksByFile.computeIfAbsent(open.file(), k -> new HashSet<>()).add(s);
            locksByOwner.computeIfAbsent(new OwnerKey(clientId, key.owner()), k -> new HashSet<>()).add(s);
            open.locks.add(s);
            locksByOther.put(ByteBuffer.wrap(s.other()), s);
        }
        return s.bump();
    }

    /** LOCK or LOCKU by an existing lock-owner: the next stateid. */
    public StateId relock(LockState s) {
        return s.bump();
    }

    /** OPEN_DOWNGRADE: drops share bits; adding any is INVAL. */
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

    /** Another owner holding locks on this file, if any (what a write-lock test conflicts with). */
    public synchronized LockState otherLockHolder(FileHandle file, long clientId, byte[] lockOwner) {
        ByteBuffer owner = ByteBuffer.wrap(lockOwner);
        for (LockState s : locksByFile.getOrDefault(file, Set.of())) {
            if (!(s.client().clientId() == clientId && s.lockOwner().equals(owner))) {
                return s;
            }
        }
        return null;
    }

    /** FREE_STATEID of a lock state. */
    public synchronized void freeLock(LockState s) {
        if (locksByOther.remove(ByteBuffer.wrap(s.other())) == null) {
            return;
        }
        long clientId = s.client().clientId();
        locksByOwnerAndFile.remove(new OwnerFileKey(clientId, s.lockOwner(), s.file()));
        lockCountByClient.computeIfPresent(clientId, (k, n) -> n > 1 ? n - 1 : null);
        removeFromIndex(locksByFile, s.file(), s);
        removeFromIndex(locksByOwner, new OwnerKey(clientId, s.lockOwner()), s);
        s.open().locks.remove(s);
    }

    /** RELEASE_LOCKOWNER (4.0): forgets the owner's lock states. */
    public synchronized void releaseLockOwner(long clientId, byte[] lockOwner) {
        for (LockState s : List.copyOf(locksByOwner.getOrDefault(new OwnerKey(clientId, ByteBuffer.wrap(lockOwner)),
                Set.of()))) {
            freeLock(s);
        }
    }

    /** Ends every open (and lock) of a client that expired or was replaced. */
    synchronized void removeClient(ClientRecord c) {
        c.markExpired();
        for (OpenState s : List.copyOf(opensByClient.getOrDefault(c.clientId(), Set.of()))) {
            remove(s);
        }
    }

    private void remove(OpenState s) {
        if (opensByOther.remove(ByteBuffer.wrap(s.other())) == null) {
            return;
        }
        for (LockState l : List.copyOf(s.locks)) {
            freeLock(l); // locks end with the open they were taken under
        }
        opensByOwnerAndFile.remove(new OwnerFileKey(s.client().clientId(), s.openOwner(), s.file()));
        removeFromIndex(opensByClient, s.client().clientId(), s);
        if (s.storePathHash() != null) {
            openCountByStorePath.computeIfPresent(s.storePathHash(), (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    private static <K, V> void removeFromIndex(Map<K, Set<V>> index, K key, V value) {
        Set<V> set = index.get(key);
        if (set != null && set.remove(value) && set.isEmpty()) {
            index.remove(key);
        }
    }

    /** The open a stateid's {@code other} names, or null; read without the monitor. */
    OpenState open(ByteBuffer other) {
        return opensByOther.get(other);
    }

    /** The lock state a stateid's {@code other} names, or null; read without the monitor. */
    LockState lock(ByteBuffer other) {
        return locksByOther.get(other);
    }

    /** Hash parts of the store paths that have files open on some client right now. */
    public Set<String> openStorePaths() {
        return Set.copyOf(openCountByStorePath.keySet());
    }

    /** How many opens clients hold on files of this store path: GC must not delete it while non-zero. */
    public int openCount(String storePathHash) {
        return openCountByStorePath.getOrDefault(storePathHash, 0);
    }

    public int openCount() {
        return opensByOther.size();
    }

    public synchronized int openCount(ClientRecord c) {
        return opensByClient.getOrDefault(c.clientId(), Set.of()).size();
    }

    public int lockStateCount() {
        return locksByOther.size();
    }
}
