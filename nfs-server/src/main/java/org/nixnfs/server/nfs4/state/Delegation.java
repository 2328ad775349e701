package org.nixnfs.server.nfs4.state;

import org.nixnfs.server.vfs.FileHandle;

/**
 * A read delegation (OPEN_DELEGATE_READ) of one client on one file of a store path. A store
 * file never changes while its path is valid, so a delegation never conflicts with anything: it
 * is recalled only before GC deletes the path, and revoked if the client does not return it
 * within a lease of the recall. A revoked delegation keeps its stateid until FREE_STATEID, so
 * that the client hears NFS4ERR_DELEG_REVOKED rather than BAD_STATEID.
 */
public final class Delegation extends StateEntry {
    private final String storePathHash;
    /** When the recall was sent (nanoTime), 0 if it was not recalled. Guarded by the {@link DelegationTable}. */
    private long recalledAtNanos;
    private volatile boolean revoked;

    Delegation(byte[] other, ClientRecord client, FileHandle file, String storePathHash) {
        super(other, client, file);
        this.storePathHash = storePathHash;
    }

    public String storePathHash() {
        return storePathHash;
    }

    public boolean revoked() {
        return revoked;
    }

    void revoke() {
        revoked = true;
    }

    long recalledAtNanos() {
        return recalledAtNanos;
    }

    boolean recalled() {
        return recalledAtNanos != 0;
    }

    void recalledAt(long nanos) {
        recalledAtNanos = nanos == 0 ? 1 : nanos;
    }

    /** A new delegation's stateid: seqid 1. */
    StateId granted() {
        return bump();
    }
}
