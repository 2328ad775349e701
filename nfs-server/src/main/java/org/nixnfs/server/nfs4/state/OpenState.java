package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;
import org.nixnfs.server.vfs.FileHandle;

/**
 * One open-owner's open of one file. Share reservations can never conflict on a read-only
 * export, so they are only remembered (to answer OPEN_DOWNGRADE correctly), never enforced.
 */
public final class OpenState {
    private final byte[] other;
    private final ClientRecord client;
    private final ByteBuffer openOwner;
    private final FileHandle file;
    private final String storePathHash;
    private int seqid;
    private int shareAccess;
    private int shareDeny;

    OpenState(byte[] other, ClientRecord client, ByteBuffer openOwner, FileHandle file, String storePathHash) {
        this.other = other;
        this.client = client;
        this.openOwner = openOwner;
        this.file = file;
        this.storePathHash = storePathHash;
    }

    public synchronized StateId stateId() {
        return new StateId(seqid, other);
    }

    /** Adds share bits from another OPEN by the same owner and bumps the seqid. */
    synchronized StateId upgrade(int access, int deny) {
        shareAccess |= access;
        shareDeny |= deny;
        return new StateId(++seqid, other);
    }

    synchronized StateId downgrade(int access, int deny) {
        shareAccess = access;
        shareDeny = deny;
        return new StateId(++seqid, other);
    }

    synchronized StateId bump() {
        return new StateId(++seqid, other);
    }

    public synchronized int seqid() {
        return seqid;
    }

    public synchronized int shareAccess() {
        return shareAccess;
    }

    public synchronized int shareDeny() {
        return shareDeny;
    }

    byte[] other() {
        return other;
    }

    public ClientRecord client() {
        return client;
    }

    ByteBuffer openOwner() {
        return openOwner;
    }

    public FileHandle file() {
        return file;
    }

    public String storePathHash() {
        return storePathHash;
    }
}
