package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * RECLAIM_COMPLETE (4.1): the client has reclaimed all it will; later reclaims get NO_GRACE.
 * Accepted at any time, since reclaims are (there is no grace period; see StateManager.checkReclaim).
 */
public final class ReclaimComplete implements Operation<Boolean> {
    /** rca_one_fs: whether the client is done with one file system only. */
    @Override
    public Boolean decode(XdrDecoder in) {
        return in.readBoolean();
    }

    @Override
    public void execute(Boolean oneFs, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ClientRecord c = ctx.sessionClient();
        if (oneFs) {
            return;
        }
        if (c.reclaimComplete()) {
            throw new NfsException(NfsStatus.NFS4ERR_COMPLETE_ALREADY);
        }
        ctx.services().state().reclaimComplete(c);
    }
}
