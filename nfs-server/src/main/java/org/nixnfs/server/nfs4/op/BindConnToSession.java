package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** BIND_CONN_TO_SESSION (4.1): any connection may carry any session's fore channel here. */
public final class BindConnToSession implements Operation {
    private static final int CDFS4_FORE = 1;

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        byte[] sessionId = args.readFixedOpaque(16);
        args.readInt(); // direction asked for: we only ever have a fore channel
        args.readBoolean(); // RDMA mode: not offered
        ctx.services().state().session(sessionId);
        result.writeFixedOpaque(sessionId).writeInt(CDFS4_FORE).writeBoolean(false);
    }
}
