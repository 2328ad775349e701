package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * Every operation that would write (WRITE, CREATE, REMOVE, SETATTR, ...): NFS4ERR_ROFS. Its
 * arguments are left unread: the COMPOUND ends with this operation anyway.
 */
public final class ReadOnly implements Operation.WithoutArguments {
    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.current(); // no current handle is NOFILEHANDLE, as for any operation on one
        throw new NfsException(NfsStatus.NFS4ERR_ROFS);
    }
}
