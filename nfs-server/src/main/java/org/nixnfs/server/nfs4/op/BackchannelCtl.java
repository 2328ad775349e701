package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** BACKCHANNEL_CTL (4.1): accepted and ignored, since the server never uses a back channel. */
public final class BackchannelCtl implements Operation<Void> {
    /** The callback program and its security: read past, since we never call back. */
    @Override
    public Void decode(XdrDecoder in) throws NfsException {
        in.readInt(); // bca_cb_program
        Args.callbackSecurity(in);
        return null;
    }

    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.sessionClient();
    }
}
