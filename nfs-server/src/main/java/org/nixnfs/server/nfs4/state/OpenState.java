package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.nixnfs.server.vfs.FileHandle;

/**
 * One open-owner's open of one file. Share reservations can never conflict on a read-only
 * export, so they are only remembered (to answer OPEN_DOWNGRADE correctly), never enforced.
 */
public final class OpenState extends StateEntry {
    private final ByteBuffer openOwner;
    private final String storePathHash;
    /** Lock states taken under this open: they end with it. Guarded by the {@link OpenTable}'s monitor. */
    final Set<LockState> locks = new HashSet<>();
    private int shareAccess;
    private int shareDeny;

    OpenState(byte[] other, ClientRecord client, ByteBuffer openOwner, FileHandle file, String storePathHash) {
        super(other, client, file);
        this.openOwner = openOwner;
        this.storePathHash = storePathHash;
    }

    /** Adds share bits from another OPEN by the same owner and bumps the seqid. */
    synchronized StateId upgrade(int access, int deny) {
        shareAccess |= access;
        shareDeny |= deny;
        return bump();
    }

    synchronized StateId downgrade(int access, int deny) {
        shareAccess = access;
        shareDeny = deny;
        return bump();
    }

    public synchronized int shareAccess() {
        return shareAccess;
    }

    public synchronized int shareDeny() {
        return shareDeny;
    }

    ByteBuffer openOwner() {
        return openOwner;
    }

    public String storePathHash() {
        return storePathHash;
    }
}
