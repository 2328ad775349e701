package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * DELEGRETURN (RFC 8881 section 18.6): the client gives back a delegation of the current file,
 * on a recall or on its own. A stateid that names no delegation of this file is BAD_STATEID; a
 * revoked one is DELEG_REVOKED and stays until FREE_STATEID (section 8.2.4).
 */
public final class DelegReturn implements Operation<StateId> {
    @Override
    public StateId decode(XdrDecoder in) {
        return StateId.read(in);
    }

    @Override
    public void execute(StateId args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(args);
        Delegation d = ctx.services().state().delegation(id, ctx.minorVersion());
        if (!d.file().equals(ctx.current().handle())) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "the delegation is of another file");
        }
        if (d.revoked()) {
            throw new NfsException(NfsStatus.NFS4ERR_DELEG_REVOKED, "delegation " + id + " was revoked");
        }
        ctx.services().state().delegations().returned(d);
    }
}
