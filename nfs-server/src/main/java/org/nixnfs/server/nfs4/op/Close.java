package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** CLOSE: ends an open; 4.1 gets the invalid special stateid back, as RFC 8881 recommends. */
public final class Close implements Operation<StateId> {
    /** The open's stateid; the 4.0 seqid is not checked (replays are harmless on a read-only export). */
    @Override
    public StateId decode(XdrDecoder in) {
        in.readInt();
        return StateId.read(in);
    }

    @Override
    public void execute(StateId args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(args);
        OpenState s = OpenStates.forCurrentFile(ctx, id);
        StateId last = ctx.services().state().opens().close(s);
        (ctx.minorVersion() == 0 ? last : StateId.INVALID).write(result);
    }
}
