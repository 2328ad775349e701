package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;

/**
 * One lock-owner's byte-range locks on one file. Only read locks exist on a read-only export,
 * and read locks never conflict with each other, so ranges are not tracked: the state records
 * that the owner holds some, for LOCKT's sake and so its stateid can be checked and freed.
 */
public final class LockState extends StateEntry {
    private final ByteBuffer lockOwner;
    private final OpenState open;

    LockState(byte[] other, ClientRecord client, ByteBuffer lockOwner, OpenState open) {
        super(other, client, open.file());
        this.lockOwner = lockOwner;
        this.open = open;
    }

    public ByteBuffer lockOwner() {
        return lockOwner;
    }

    public OpenState open() {
        return open;
    }
}
