package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * An optional feature we do not offer (pNFS layouts, delegation wants, named attributes, xattrs,
 * server-side copy) or an operation a minor version removed: NFS4ERR_NOTSUPP. Its arguments are
 * left unread: the COMPOUND ends with this operation anyway.
 */
public final class Unsupported implements Operation.WithoutArguments {
    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        throw new NfsException(NfsStatus.NFS4ERR_NOTSUPP);
    }
}
