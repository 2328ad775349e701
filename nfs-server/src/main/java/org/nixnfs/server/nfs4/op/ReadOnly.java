package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** Every operation that would change the export (WRITE, CREATE, REMOVE, SETATTR, ...): NFS4ERR_ROFS. */
public final class ReadOnly implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        ctx.current(); // no current handle is NOFILEHANDLE, as for any operation on one
        throw new NfsException(NfsStatus.NFS4ERR_ROFS);
    }
}
