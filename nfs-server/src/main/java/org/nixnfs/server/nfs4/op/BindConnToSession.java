package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** BIND_CONN_TO_SESSION (4.1): any connection may carry any session's fore channel here. */
public final class BindConnToSession implements Operation<byte[]> {
    private static final int CDFS4_FORE = 1;

    /** The session id; the direction asked for and RDMA mode do not matter (fore channel only, no RDMA). */
    @Override
    public byte[] decode(XdrDecoder in) {
        byte[] sessionId = Args.sessionId(in);
        in.readInt();
        in.readBoolean();
        return sessionId;
    }

    @Override
    public void execute(byte[] sessionId, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.bindConnection(ctx.services().state().session(sessionId));
        result.writeFixedOpaque(sessionId).writeInt(CDFS4_FORE).writeBoolean(false);
    }
}
