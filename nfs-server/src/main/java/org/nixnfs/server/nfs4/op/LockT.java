package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.DetailedError;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.LockState;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileType;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * LOCKT: a read lock would always be granted. A write lock would conflict with any other
 * owner's read locks on the file; ranges are not tracked, so the conflict is reported as the
 * whole file, which is conservative.
 */
public final class LockT implements Operation<LockT.Arguments> {
    /** LOCKT4args: the lock type, range and lock-owner to test for. */
    record Arguments(int type, long offset, long length, long clientId, byte[] owner) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        return new Arguments(Locks.lockType(in), in.readLong(), in.readLong(), in.readLong(),
                in.readOpaque(Args.OPAQUE_LIMIT));
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Locks.checkRange(args.offset(), args.length());
        Node file = ctx.current();
        FileType t = ctx.services().fs().attributes(file).type();
        if (t == FileType.DIRECTORY) {
            throw new NfsException(NfsStatus.NFS4ERR_ISDIR);
        }
        if (t != FileType.REGULAR) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL);
        }
        long clientId = ctx.minorVersion() > 0 ? ctx.sessionClient().clientId() : args.clientId();
        if (!Locks.isWrite(args.type())) {
            return;
        }
        LockState holder = ctx.services().state().opens().otherLockHolder(file.handle(), clientId, args.owner());
        if (holder == null) {
            return;
        }
        // NFS4ERR_DENIED carries the conflicting lock: here, the holder's (whole-file) read lock.
        throw new LockDenied(holder);
    }

    /** DENIED with its LOCK4denied body. */
    static final class LockDenied extends NfsException implements DetailedError {
        private final LockState holder;

        LockDenied(LockState holder) {
            super(NfsStatus.NFS4ERR_DENIED);
            this.holder = holder;
        }

        @Override
        public void writeDetails(XdrEncoder out) {
            byte[] owner = new byte[holder.lockOwner().remaining()];
            holder.lockOwner().duplicate().get(owner);
            out.writeLong(0).writeLong(-1L).writeInt(Locks.READ_LT).writeLong(holder.client().clientId()).writeOpaque(owner);
        }
    }
}
