package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.LockState;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * LOCK: read locks are always granted (nobody can write, so nothing conflicts); a write lock
 * is NFS4ERR_OPENMODE, since every open on a read-only export is for reading.
 */
public final class Lock implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        int type = Locks.lockType(args);
        boolean reclaim = args.readBoolean();
        long offset = args.readLong();
        long length = args.readLong();
        boolean newLockOwner = args.readBoolean();
        StateId stateId;
        if (newLockOwner) {
            args.readInt(); // open seqid (4.0)
            StateId openId = ctx.resolveStateId(StateId.read(args));
            args.readInt(); // lock seqid (4.0)
            long clientId = args.readLong();
            byte[] owner = args.readOpaque(Args.OPAQUE_LIMIT);
            checkRequest(ctx, type, reclaim, offset, length);
            OpenState open = OpenStates.forCurrentFile(ctx, openId);
            if (ctx.minorVersion() == 0 && open.client().clientId() != clientId) {
                throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "lock owner of another client");
            }
            stateId = ctx.services().state().opens().lock(open, owner);
        } else {
            StateId lockId = ctx.resolveStateId(StateId.read(args));
            args.readInt(); // lock seqid (4.0)
            checkRequest(ctx, type, reclaim, offset, length);
            LockState lock = ctx.services().state().lockState(lockId, ctx.minorVersion());
            if (!lock.file().equals(ctx.current().handle())) {
                throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "lock stateid is for another file");
            }
            stateId = ctx.services().state().opens().relock(lock);
        }
        stateId.write(result);
        ctx.setCurrentStateId(stateId);
    }

    private static void checkRequest(CompoundContext ctx, int type, boolean reclaim, long offset, long length)
            throws NfsException {
        ctx.current();
        Locks.checkRange(offset, length);
        if (reclaim && !ctx.services().state().inGrace()) {
            throw new NfsException(NfsStatus.NFS4ERR_NO_GRACE);
        }
        if (Locks.isWrite(type)) {
            throw new NfsException(NfsStatus.NFS4ERR_OPENMODE, "write lock on a file open for reading");
        }
    }
}
