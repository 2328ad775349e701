package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** CLOSE: ends an open; 4.1 gets the invalid special stateid back, as RFC 8881 recommends. */
public final class Close implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        args.readInt(); // seqid
        StateId id = ctx.resolveStateId(StateId.read(args));
        OpenState s = OpenStates.forCurrentFile(ctx, id);
        StateId last = ctx.services().state().opens().close(s);
        (ctx.minorVersion() == 0 ? last : StateId.INVALID).write(result);
    }
}
