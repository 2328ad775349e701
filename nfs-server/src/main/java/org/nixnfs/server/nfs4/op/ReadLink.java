package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrEncoder;

/** READLINK: the symlink's target text, exactly as stored; resolving it is the client's business. */
public final class ReadLink implements Operation.WithoutArguments {
    /** A target read before: one look, as for LOOKUP. */
    @Override
    public boolean executeInMemory(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        String target = ctx.services().fs().readlinkInMemory(ctx.current());
        if (target == null) {
            return false; // read from disk on a worker
        }
        result.writeString(target);
        return true;
    }

    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        result.writeString(ctx.services().fs().readlink(ctx.current()));
    }
}
