package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** SETCLIENTID_CONFIRM (4.0). */
public final class SetClientIdConfirm implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        long clientId = args.readLong();
        ctx.services().state().confirmClientId(clientId, Args.verifier(args));
    }
}
