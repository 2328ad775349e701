package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** LOOKUP: one path component below the current directory; a symlink is returned, not followed. */
public final class Lookup implements Operation<String> {
    /** The component name. */
    @Override
    public String decode(XdrDecoder in) {
        return Args.component(in);
    }

    @Override
    public boolean mayBlock(String name, CompoundContext ctx) throws NfsException {
        return !ctx.services().fs().isLookupCached(ctx.current(), name);
    }

    @Override
    public void execute(String name, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.setCurrent(ctx.services().fs().lookup(ctx.current(), name, ctx.mayWait()));
    }
}
