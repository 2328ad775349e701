package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileType;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * SEEK (4.2, lseek SEEK_DATA / SEEK_HOLE): we report files as dense, so data is wherever the
 * offset is and the only hole is the one at end of file.
 */
public final class Seek implements Operation<Seek.Arguments> {
    private static final int NFS4_CONTENT_DATA = 0;
    private static final int NFS4_CONTENT_HOLE = 1;

    record Arguments(StateId stateId, long offset, int what) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        return new Arguments(StateId.read(in), in.readLong(), in.readInt());
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateId id = ctx.resolveStateId(args.stateId());
        long offset = args.offset();
        int what = args.what();
        Node file = ctx.current();
        if (ctx.services().fs().attributes(file).type() != FileType.REGULAR) {
            throw new NfsException(NfsStatus.NFS4ERR_WRONG_TYPE);
        }
        Read.checkStateId(ctx, id, file);
        long size = ctx.services().fs().attributes(file).size();
        if (what != NFS4_CONTENT_DATA && what != NFS4_CONTENT_HOLE) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "seek content " + what);
        }
        if (offset < 0 || offset >= size) {
            throw new NfsException(NfsStatus.NFS4ERR_NXIO);
        }
        boolean data = what == NFS4_CONTENT_DATA;
        result.writeBoolean(!data).writeLong(data ? offset : size);
    }
}
