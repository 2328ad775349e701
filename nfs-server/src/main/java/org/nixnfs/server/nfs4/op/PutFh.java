package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** PUTFH: make the client's handle current; malformed → BADHANDLE, no longer exported → STALE. */
public final class PutFh implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        ctx.setCurrent(ctx.services().fs().resolve(Args.fileHandle(args)));
    }

    /** A handle not in the node cache must be looked for on disk. */
    @Override
    public boolean mayBlock(CompoundContext ctx, XdrDecoder args) throws NfsException {
        return !ctx.services().fs().isCached(Args.fileHandle(args));
    }
}
