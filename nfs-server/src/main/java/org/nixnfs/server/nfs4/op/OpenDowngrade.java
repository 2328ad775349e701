package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** OPEN_DOWNGRADE: drops share access/deny bits of an open. */
public final class OpenDowngrade implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(StateId.read(args));
        args.readInt(); // seqid
        int access = args.readInt() & 0xff;
        int deny = args.readInt();
        OpenState s = OpenStates.forCurrentFile(ctx, id);
        StateId next = ctx.services().state().opens().downgrade(s, access, deny);
        next.write(result);
        ctx.setCurrentStateId(next);
    }
}
