package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** SETCLIENTID_CONFIRM (4.0). */
public final class SetClientIdConfirm implements Operation<SetClientIdConfirm.Arguments> {
    record Arguments(long clientId, byte[] confirmVerifier) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        return new Arguments(in.readLong(), Args.verifier(in));
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.services().state().confirmClientId(args.clientId(), args.confirmVerifier());
    }
}
