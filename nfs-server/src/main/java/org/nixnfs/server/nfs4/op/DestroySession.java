package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** DESTROY_SESSION (4.1). */
public final class DestroySession implements Operation<byte[]> {
    @Override
    public byte[] decode(XdrDecoder in) {
        return Args.sessionId(in);
    }

    @Override
    public void execute(byte[] sessionId, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.services().state().destroySession(sessionId);
    }
}
