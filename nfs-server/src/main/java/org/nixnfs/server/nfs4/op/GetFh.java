package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrEncoder;

/** GETFH: the current file handle. */
public final class GetFh implements Operation.WithoutArguments {
    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        result.writeOpaque(ctx.current().handle().bytes());
    }
}
