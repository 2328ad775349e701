package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.NfsException;
import org.nixnfs.server.nfs4.NfsStatus;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * FREE_STATEID (4.1): we only have open stateids, which CLOSE frees; freeing one that is still
 * open is LOCKS_HELD (RFC 8881 section 18.38.3), an unknown one BAD_STATEID.
 */
public final class FreeStateId implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(StateId.read(args));
        ctx.services().state().openState(id.withSeqid(0), ctx.minorVersion());
        throw new NfsException(NfsStatus.NFS4ERR_LOCKS_HELD, "the open is still in use: CLOSE it");
    }
}
