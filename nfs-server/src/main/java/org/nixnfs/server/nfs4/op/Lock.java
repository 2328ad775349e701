package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.LockState;
import org.nixnfs.server.nfs4.state.OpenState;
import org.nixnfs.server.nfs4.state.StateEntry;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * LOCK: read locks are always granted (nobody can write, so nothing conflicts); a write lock
 * is NFS4ERR_OPENMODE, since every open on a read-only export is for reading. A reclaim is
 * granted at any time, as long as the client has not sent RECLAIM_COMPLETE.
 */
public final class Lock implements Operation<Lock.Arguments> {
    /**
     * LOCK4args. A new lock-owner names the open it locks under ({@code stateId} is the open's)
     * and itself ({@code clientId}, {@code owner}); an existing one gives its lock stateid. The
     * 4.0 seqids are not checked.
     */
    record Arguments(int type, boolean reclaim, long offset, long length, boolean newLockOwner, StateId stateId,
                     long clientId, byte[] owner) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        int type = Locks.lockType(in);
        boolean reclaim = in.readBoolean();
        long offset = in.readLong();
        long length = in.readLong();
        boolean newLockOwner = in.readBoolean();
        if (newLockOwner) {
            in.readInt(); // open seqid
            StateId openId = StateId.read(in);
            in.readInt(); // lock seqid
            long clientId = in.readLong();
            byte[] owner = in.readOpaque(Args.OPAQUE_LIMIT);
            return new Arguments(type, reclaim, offset, length, true, openId, clientId, owner);
        }
        StateId lockId = StateId.read(in);
        in.readInt(); // lock seqid
        return new Arguments(type, reclaim, offset, length, false, lockId, 0, null);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(args.stateId());
        checkRequest(ctx, args);
        StateId stateId;
        if (args.newLockOwner()) {
            OpenState open = OpenStates.forCurrentFile(ctx, id);
            if (ctx.minorVersion() == 0 && open.client().clientId() != args.clientId()) {
                throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "lock owner of another client");
            }
            checkReclaim(ctx, args, open);
            stateId = ctx.services().state().opens().lock(open, args.owner());
        } else {
            LockState lock = ctx.services().state().lockState(id, ctx.minorVersion());
            if (!lock.file().equals(ctx.current().handle())) {
                throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "lock stateid is for another file");
            }
            checkReclaim(ctx, args, lock);
            stateId = ctx.services().state().opens().relock(lock);
        }
        stateId.write(result);
        ctx.setCurrentStateId(stateId);
    }

    /** A reclaimed read lock is granted at any time, like a reclaimed open (StateManager.checkReclaim). */
    private static void checkReclaim(CompoundContext ctx, Arguments args, StateEntry state) throws NfsException {
        if (args.reclaim()) {
            ctx.services().state().checkReclaim(state.client());
        }
    }

    private static void checkRequest(CompoundContext ctx, Arguments args) throws NfsException {
        ctx.current();
        Locks.checkRange(args.offset(), args.length());
        if (Locks.isWrite(args.type())) {
            throw new NfsException(NfsStatus.NFS4ERR_OPENMODE, "write lock on a file open for reading");
        }
    }
}
