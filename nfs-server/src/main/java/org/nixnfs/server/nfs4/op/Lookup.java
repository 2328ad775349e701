package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** LOOKUP: one path component below the current directory; a symlink is returned, not followed. */
public final class Lookup implements Operation<String> {
    /** The component name. */
    @Override
    public String decode(XdrDecoder in) {
        return Args.component(in);
    }

    /**
     * An entry in the lookup cache (or refused at once). One look, as for PUTFH: the node found
     * is the answer, not a reason to look again.
     */
    @Override
    public boolean executeInMemory(String name, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Node n = ctx.services().fs().lookupInMemory(ctx.current(), name);
        if (n == null) {
            return false; // read from disk, or held by fault-in, on a worker
        }
        ctx.setCurrent(n);
        return true;
    }

    @Override
    public void execute(String name, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.setCurrent(ctx.services().fs().lookup(ctx.current(), name, ctx.mayWait()));
    }
}
