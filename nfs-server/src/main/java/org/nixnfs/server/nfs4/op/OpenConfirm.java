package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** OPEN_CONFIRM (4.0 only): we never ask for confirmation, but a client may still send it. */
public final class OpenConfirm implements Operation<StateId> {
    /** The open's stateid; the seqid is not checked. */
    @Override
    public StateId decode(XdrDecoder in) {
        StateId id = StateId.read(in);
        in.readInt();
        return id;
    }

    @Override
    public void execute(StateId id, CompoundContext ctx, XdrEncoder result) throws NfsException {
        OpenState s = OpenStates.forCurrentFile(ctx, id);
        ctx.services().state().opens().confirmOpen(s).write(result);
    }
}
