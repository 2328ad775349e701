package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.nixnfs.server.vfs.FileHandle;

/**
 * Every read delegation, indexed by stateid ({@code other}), by client, by client and file (one
 * delegation per client and file) and by store path (GC recalls a path's delegations before
 * deleting it, and a delegated path is live). New delegations are admitted by the
 * {@link StateLimits}; over a limit none is granted, which is no error (the OPEN still succeeds).
 *
 * <p>Life of a delegation: granted on OPEN; recalled (CB_RECALL) when GC is about to delete its
 * path, during which no new one is granted on that path; then returned (DELEGRETURN) or, a lease
 * after the recall, revoked. A revoked delegation no longer holds its path but keeps its stateid
 * until FREE_STATEID, and its client sees SEQ4_STATUS_RECALLABLE_STATE_REVOKED until then; a 4.0
 * client's, which it could never free, is dropped at once.
 *
 * <p><b>Locking rule</b>, as in {@link OpenTable}: every change runs under this table's monitor
 * and updates all indexes; the stateid index is a concurrent map read without it (READ), a
 * delegation being added to it last and removed from it first. Waiters for a path's release wait
 * on the monitor and are woken by every return, revocation and removal. {@link StateManager}
 * calls in possibly holding its own monitor (order: StateManager, then this table).
 */
public final class DelegationTable {
    private record ClientFileKey(long clientId, FileHandle file) {
    }

    private final OpenTable.StateIds ids;
    private final StateLimits limits;
    private final Map<ByteBuffer, Delegation> byOther = new ConcurrentHashMap<>();
    private final Map<Long, Set<Delegation>> byClient = new HashMap<>();
    private final Map<ClientFileKey, Delegation> byClientAndFile = new HashMap<>();
    /** Delegations that hold their path: granted and not revoked. */
    private final Map<String, Set<Delegation>> holdingByStorePath = new HashMap<>();
    private final Map<Long, Integer> revokedByClient = new ConcurrentHashMap<>(); // read without the monitor
    /** Paths GC is recalling delegations on, with how many recalls of each are under way. */
    private final Map<String, Integer> recalling = new ConcurrentHashMap<>();
    private final AtomicLong recallsReturned = new AtomicLong();
    private final AtomicLong recallsRevoked = new AtomicLong();
    private final AtomicLong recallsNotHeld = new AtomicLong();
    private final AtomicLong notGranted = new AtomicLong();

    DelegationTable(OpenTable.StateIds ids, StateLimits limits) {
        this.ids = ids;
        this.limits = limits;
    }

    /**
     * A new read delegation for {@code c} on {@code file}, or null when none is granted: the client
     * holds one on the file already, the path is being recalled, the client is gone, or a limit is
     * reached.
     */
    public synchronized Delegation grant(ClientRecord c, FileHandle file, String storePathHash) {
        ClientFileKey key = new ClientFileKey(c.clientId(), file);
        if (c.expired() || byClientAndFile.containsKey(key) || recalling.containsKey(storePathHash)
                || !limits.allowDelegation(byClient.getOrDefault(c.clientId(), Set.of()).size(), byOther.size())) {
            notGranted.incrementAndGet();
            return null;
        }
        Delegation d = new Delegation(ids.newOther(), c, file, storePathHash);
        d.granted();
        byClientAndFile.put(key, d);
        byClient.computeIfAbsent(c.clientId(), k -> new HashSet<>()).add(d);
        holdingByStorePath.computeIfAbsent(storePathHash, k -> new HashSet<>()).add(d);
        byOther.put(ByteBuffer.wrap(d.other()), d);
        return d;
    }

    /** The delegation a stateid's {@code other} names, revoked or not, or null; read without the monitor. */
    Delegation get(ByteBuffer other) {
        return byOther.get(other);
    }

    /** DELEGRETURN of a delegation that is not revoked. */
    public synchronized void returned(Delegation d) {
        if (d.recalled() && !d.revoked() && byOther.containsKey(ByteBuffer.wrap(d.other()))) {
            recallsReturned.incrementAndGet();
        }
        remove(d);
    }

    /**
     * The client answered a recall of {@code d} with NFS4ERR_BADHANDLE (or BAD_STATEID): it holds
     * no such delegation (RFC 8881 section 20.2.3), having given it up or returned it already. It
     * is dropped as if returned.
     */
    public synchronized void notHeld(Delegation d) {
        if (d.recalled() && !d.revoked() && byOther.containsKey(ByteBuffer.wrap(d.other()))) {
            recallsNotHeld.incrementAndGet();
            remove(d);
        }
    }

    /** Whether a recalled delegation still waits for its return: not returned, revoked or dropped yet. */
    public boolean awaitingReturn(Delegation d) {
        return !d.revoked() && byOther.containsKey(ByteBuffer.wrap(d.other()));
    }

    /** FREE_STATEID of a revoked delegation. */
    public synchronized void free(Delegation d) {
        remove(d);
    }

    private void remove(Delegation d) {
        if (byOther.remove(ByteBuffer.wrap(d.other())) == null) {
            return;
        }
        long clientId = d.client().clientId();
        byClientAndFile.remove(new ClientFileKey(clientId, d.file()));
        removeFromIndex(byClient, clientId, d);
        if (d.revoked()) {
            revokedByClient.computeIfPresent(clientId, (k, n) -> n > 1 ? n - 1 : null);
        } else {
            removeFromIndex(holdingByStorePath, d.storePathHash(), d);
        }
        notifyAll();
    }

    /** Drops every delegation of a client that expired or was replaced. */
    synchronized void removeClient(ClientRecord c) {
        for (Delegation d : List.copyOf(byClient.getOrDefault(c.clientId(), Set.of()))) {
            remove(d);
        }
    }

    /**
     * Starts recalling the delegations on these paths: from now until {@link #endRecall}, no new
     * delegation is granted on them. Returns the delegations to send CB_RECALL for (those not
     * recalled yet), marked recalled at {@code nowNanos}.
     */
    public synchronized List<Delegation> startRecall(Set<String> storePathHashes, long nowNanos) {
        List<Delegation> toRecall = new ArrayList<>();
        for (String h : storePathHashes) {
            recalling.merge(h, 1, Integer::sum);
            for (Delegation d : holdingByStorePath.getOrDefault(h, Set.of())) {
                if (!d.recalled()) {
                    d.recalledAt(nowNanos);
                    toRecall.add(d);
                }
            }
        }
        return toRecall;
    }

    /** GC is done with these paths: delegations may be granted on them again (if they still exist). */
    public void endRecall(Set<String> storePathHashes) {
        for (String h : storePathHashes) {
            recalling.computeIfPresent(h, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    /** Whether GC is recalling the delegations of this path right now. */
    public boolean recalling(String storePathHash) {
        return !recalling.isEmpty() && recalling.containsKey(storePathHash);
    }

    /**
     * Revokes the delegations recalled more than {@code leaseNanos} ago and not returned (RFC 8881
     * section 10.2: a client that does not return a recalled delegation loses it once its lease
     * would have ended). Returns how many.
     */
    synchronized int revokeOverdue(long nowNanos, long leaseNanos) {
        List<Delegation> overdue = new ArrayList<>();
        for (Set<Delegation> ds : holdingByStorePath.values()) {
            for (Delegation d : ds) {
                if (d.recalled() && nowNanos - d.recalledAtNanos() > leaseNanos) {
                    overdue.add(d);
                }
            }
        }
        for (Delegation d : overdue) {
            recallsRevoked.incrementAndGet();
            if (d.client().minorVersion() == 0) {
                remove(d); // 4.0 has no FREE_STATEID: its stateid is simply gone (BAD_STATEID), as knfsd does
                continue;
            }
            removeFromIndex(holdingByStorePath, d.storePathHash(), d);
            d.revoke();
            revokedByClient.merge(d.client().clientId(), 1, Integer::sum);
        }
        if (!overdue.isEmpty()) {
            notifyAll();
        }
        return overdue.size();
    }

    /**
     * Waits until no delegation holds any of these paths (returned, revoked or dropped with its
     * client), at most {@code timeoutNanos}; returns the paths still held.
     */
    public synchronized Set<String> awaitReleased(Set<String> storePathHashes, long timeoutNanos)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Set<String> held = new HashSet<>(storePathHashes);
            held.retainAll(holdingByStorePath.keySet());
            long left = deadline - System.nanoTime();
            if (held.isEmpty() || left <= 0) {
                return held;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Hash parts of the store paths some delegation holds: live for GC. */
    public synchronized Set<String> delegatedStorePaths() {
        return Set.copyOf(holdingByStorePath.keySet());
    }

    /** Whether this client has revoked delegations it has not freed yet (SEQUENCE's status flag). */
    public boolean hasRevoked(ClientRecord c) {
        return !revokedByClient.isEmpty() && revokedByClient.containsKey(c.clientId());
    }

    public synchronized int count(ClientRecord c) {
        return byClient.getOrDefault(c.clientId(), Set.of()).size();
    }

    /** Delegations, revoked ones not freed yet included. */
    public int count() {
        return byOther.size();
    }

    public long recallsReturned() {
        return recallsReturned.get();
    }

    public long recallsRevoked() {
        return recallsRevoked.get();
    }

    /** Recalls the client answered with "no such delegation" (NFS4ERR_BADHANDLE): dropped as returned. */
    public long recallsNotHeld() {
        return recallsNotHeld.get();
    }

    /** OPENs that could have had a delegation and got none (held already, path recalled, limits). */
    public long notGranted() {
        return notGranted.get();
    }

    private static <K, V> void removeFromIndex(Map<K, Set<V>> index, K key, V value) {
        Set<V> set = index.get(key);
        if (set != null && set.remove(value) && set.isEmpty()) {
            index.remove(key);
        }
    }
}
