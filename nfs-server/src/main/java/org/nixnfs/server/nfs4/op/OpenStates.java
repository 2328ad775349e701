package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;

/** Looks up the open a stateid names and checks that it is an open of the current file. */
final class OpenStates {
    private OpenStates() {
    }

    static OpenState forCurrentFile(CompoundContext ctx, StateId id) throws NfsException {
        OpenState s = ctx.services().state().openState(id, ctx.minorVersion());
        if (!s.file().equals(ctx.current().handle())) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "stateid is for another file");
        }
        return s;
    }
}
