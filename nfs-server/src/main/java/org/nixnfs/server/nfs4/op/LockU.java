package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.LockState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** LOCKU: releases a range; the lock state (and its stateid) stays until freed or closed. */
public final class LockU implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        Locks.lockType(args);
        args.readInt(); // seqid (4.0)
        StateId id = ctx.resolveStateId(StateId.read(args));
        long offset = args.readLong();
        long length = args.readLong();
        Locks.checkRange(offset, length);
        LockState lock = ctx.services().state().lockState(id, ctx.minorVersion());
        if (!lock.file().equals(ctx.current().handle())) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "lock stateid is for another file");
        }
        StateId next = ctx.services().state().opens().relock(lock);
        next.write(result);
        ctx.setCurrentStateId(next);
    }
}
