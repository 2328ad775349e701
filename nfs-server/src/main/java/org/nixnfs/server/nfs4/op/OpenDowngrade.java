package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** OPEN_DOWNGRADE: drops share access/deny bits of an open. */
public final class OpenDowngrade implements Operation<OpenDowngrade.Arguments> {
    /** The open's stateid and the share bits to keep (the 4.0 seqid is not checked). */
    record Arguments(StateId stateId, int access, int deny) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        StateId id = StateId.read(in);
        in.readInt();
        return new Arguments(id, in.readInt() & 0xff, in.readInt());
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        OpenState s = OpenStates.forCurrentFile(ctx, ctx.resolveStateId(args.stateId()));
        StateId next = ctx.services().state().opens().downgrade(s, args.access(), args.deny());
        next.write(result);
        ctx.setCurrentStateId(next);
    }
}
