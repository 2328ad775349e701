package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** RELEASE_LOCKOWNER (4.0): forgets the lock-owner's lock states. */
public final class ReleaseLockOwner implements Operation<ReleaseLockOwner.Arguments> {
    /** lock_owner4: the client id and the owner's name. */
    record Arguments(long clientId, byte[] owner) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        return new Arguments(in.readLong(), in.readOpaque(Args.OPAQUE_LIMIT));
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.services().state().client(args.clientId());
        ctx.services().state().opens().releaseLockOwner(args.clientId(), args.owner());
    }
}
