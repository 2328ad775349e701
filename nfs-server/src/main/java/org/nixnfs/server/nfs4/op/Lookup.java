package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** LOOKUP: one path component below the current directory; a symlink is returned, not followed. */
public final class Lookup implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        String name = Args.component(args);
        ctx.setCurrent(ctx.services().fs().lookup(ctx.current(), name));
    }

    @Override
    public boolean mayBlock(CompoundContext ctx, XdrDecoder args) throws NfsException {
        return !ctx.services().fs().isLookupCached(ctx.current(), Args.component(args));
    }
}
