package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * DELEGRETURN: the server grants no delegations, so no stateid names one: any stateid is
 * BAD_STATEID (RFC 8881 section 18.6.3), once there is a current file to return it for.
 */
public final class DelegReturn implements Operation<StateId> {
    @Override
    public StateId decode(XdrDecoder in) {
        return StateId.read(in);
    }

    @Override
    public void execute(StateId args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.current();
        throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "no delegation was granted: " + args);
    }
}
