package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.vfs.FileHandle;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** PUTFH: make the client's handle current; malformed → BADHANDLE, no longer exported → STALE. */
public final class PutFh implements Operation<FileHandle> {
    @Override
    public FileHandle decode(XdrDecoder in) throws NfsException {
        return Args.fileHandle(in);
    }

    /**
     * A handle in the node cache, or refused at once. One look: the node found is the answer (a
     * check first and a resolve after would parse the handle and look it up twice per request).
     */
    @Override
    public boolean executeInMemory(FileHandle handle, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Node n = ctx.services().fs().resolveInMemory(handle);
        if (n == null) {
            return false; // to be looked for on disk
        }
        ctx.setCurrent(n);
        return true;
    }

    @Override
    public void execute(FileHandle handle, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.setCurrent(ctx.services().fs().resolve(handle));
    }
}
