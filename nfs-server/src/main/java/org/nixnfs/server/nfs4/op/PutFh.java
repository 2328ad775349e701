package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.vfs.FileHandle;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** PUTFH: make the client's handle current; malformed → BADHANDLE, no longer exported → STALE. */
public final class PutFh implements Operation<FileHandle> {
    @Override
    public FileHandle decode(XdrDecoder in) throws NfsException {
        return Args.fileHandle(in);
    }

    /** A handle not in the node cache must be looked for on disk. */
    @Override
    public boolean mayBlock(FileHandle handle, CompoundContext ctx) {
        return !ctx.services().fs().isCached(handle);
    }

    @Override
    public void execute(FileHandle handle, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.setCurrent(ctx.services().fs().resolve(handle));
    }
}
