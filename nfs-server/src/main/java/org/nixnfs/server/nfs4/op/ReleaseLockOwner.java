package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.NfsException;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** RELEASE_LOCKOWNER (4.0): we hold no lock state, so there is nothing to release. */
public final class ReleaseLockOwner implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        ctx.services().state().client(args.readLong());
        args.readOpaque(Args.OPAQUE_LIMIT);
    }
}
