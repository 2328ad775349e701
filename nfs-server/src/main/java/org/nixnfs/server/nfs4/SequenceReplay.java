package org.nixnfs.server.nfs4;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;

/** Thrown by SEQUENCE when a request is a retransmission: the cached COMPOUND reply is sent again. */
public final class SequenceReplay extends NfsException {
    private final byte[] cachedReply;

    public SequenceReplay(byte[] cachedReply) {
        super(NfsStatus.NFS4_OK, "replay");
        this.cachedReply = cachedReply;
    }

    public byte[] cachedReply() {
        return cachedReply;
    }
}
