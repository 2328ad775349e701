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
public final class LockU implements Operation<LockU.Arguments> {
    /** LOCKU4args: the lock stateid and range (the type and the 4.0 seqid do not matter). */
    record Arguments(StateId stateId, long offset, long length) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        Locks.lockType(in);
        in.readInt();
        return new Arguments(StateId.read(in), in.readLong(), in.readLong());
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(args.stateId());
        Locks.checkRange(args.offset(), args.length());
        LockState lock = ctx.services().state().lockState(id, ctx.minorVersion());
        if (!lock.file().equals(ctx.current().handle())) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "lock stateid is for another file");
        }
        StateId next = ctx.services().state().opens().relock(lock);
        next.write(result);
        ctx.setCurrentStateId(next);
    }
}
