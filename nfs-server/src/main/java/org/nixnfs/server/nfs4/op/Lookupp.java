package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileType;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrEncoder;

/** LOOKUPP: the parent directory; at "/" there is none (NOENT), so ".." never leaves the export. */
public final class Lookupp implements Operation.WithoutArguments {
    /** A parent in the node cache (or none, or refused): one look, as for LOOKUP. */
    @Override
    public boolean executeInMemory(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Node parent = ctx.services().fs().parentInMemory(directory(ctx));
        if (parent == null) {
            return false; // read from disk on a worker
        }
        ctx.setCurrent(parent);
        return true;
    }

    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.setCurrent(ctx.services().fs().parent(directory(ctx)));
    }

    private static Node directory(CompoundContext ctx) throws NfsException {
        Node n = ctx.current();
        FileType t = ctx.services().fs().attributes(n).type();
        if (t == FileType.SYMLINK) {
            throw new NfsException(NfsStatus.NFS4ERR_SYMLINK);
        }
        if (t != FileType.DIRECTORY) {
            throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
        }
        return n;
    }
}
