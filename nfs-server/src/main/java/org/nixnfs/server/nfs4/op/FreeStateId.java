package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.LockState;
import org.nixnfs.server.nfs4.state.StateEntry;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * FREE_STATEID (4.1): frees a lock stateid or a revoked delegation's; an open stateid is freed
 * by CLOSE and a live delegation by DELEGRETURN, so freeing one is LOCKS_HELD (RFC 8881 section
 * 18.38.3); an unknown one is BAD_STATEID.
 */
public final class FreeStateId implements Operation<StateId> {
    @Override
    public StateId decode(XdrDecoder in) {
        return StateId.read(in);
    }

    @Override
    public void execute(StateId args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(args);
        StateEntry s = ctx.services().state().anyStateEvenRevoked(id.withSeqid(0), ctx.minorVersion());
        if (s instanceof LockState lock) {
            ctx.services().state().opens().freeLock(lock);
            return;
        }
        if (s instanceof Delegation d) {
            if (d.revoked()) {
                ctx.services().state().delegations().free(d);
                return;
            }
            throw new NfsException(NfsStatus.NFS4ERR_LOCKS_HELD, "the delegation is held: DELEGRETURN it");
        }
        throw new NfsException(NfsStatus.NFS4ERR_LOCKS_HELD, "the open is still in use: CLOSE it");
    }
}
