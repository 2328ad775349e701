package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrEncoder;

/** READLINK: the symlink's target text, exactly as stored; resolving it is the client's business. */
public final class ReadLink implements Operation.WithoutArguments {
    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        result.writeString(ctx.services().fs().readlink(ctx.current()));
    }

    @Override
    public boolean mayBlock(Void args, CompoundContext ctx) throws NfsException {
        return !ctx.services().fs().isLinkCached(ctx.current());
    }
}
