package org.nixnfs.server.nfs4.state;

import org.nixnfs.server.vfs.FileHandle;

/** What a stateid names: an open or a set of byte-range locks, of one owner on one file. */
public abstract class StateEntry {
    private final byte[] other;
    private final ClientRecord client;
    private final FileHandle file;
    private int seqid;

    StateEntry(byte[] other, ClientRecord client, FileHandle file) {
        this.other = other;
        this.client = client;
        this.file = file;
    }

    public synchronized StateId stateId() {
        return new StateId(seqid, other);
    }

    public synchronized int seqid() {
        return seqid;
    }

    /** A new stateid for a change of this state: same {@code other}, the next seqid. */
    synchronized StateId bump() {
        return new StateId(++seqid, other);
    }

    byte[] other() {
        return other;
    }

    public ClientRecord client() {
        return client;
    }

    public FileHandle file() {
        return file;
    }
}
