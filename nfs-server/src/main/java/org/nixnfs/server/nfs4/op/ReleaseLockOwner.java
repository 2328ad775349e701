package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** RELEASE_LOCKOWNER (4.0): forgets the lock-owner's lock states. */
public final class ReleaseLockOwner implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        long clientId = args.readLong();
        byte[] owner = args.readOpaque(Args.OPAQUE_LIMIT);
        ctx.services().state().client(clientId);
        ctx.services().state().opens().releaseLockOwner(clientId, owner);
    }
}
