package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * An operation we answer with a fixed error: NFS4ERR_NOTSUPP for optional features we do not
 * offer (pNFS layouts, delegations, named attributes, xattrs, server-side copy), or whatever
 * other status RFC prescribes for a server without the feature.
 */
public final class Unsupported implements Operation {
    private final int status;

    public Unsupported(int status) {
        this.status = status;
    }

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        throw new NfsException(status);
    }
}
