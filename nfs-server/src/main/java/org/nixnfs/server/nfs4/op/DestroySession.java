package org.nixnfs.server.nfs4.op;

import java.util.Arrays;
import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * DESTROY_SESSION (4.1, RFC 8881 section 18.37): over a connection bound to the session; after a
 * SEQUENCE of the same session, only as the last operation (NOT_ONLY_OP otherwise).
 */
public final class DestroySession implements Operation<byte[]> {
    @Override
    public byte[] decode(XdrDecoder in) {
        return Args.sessionId(in);
    }

    @Override
    public void execute(byte[] sessionId, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Session current = ctx.session();
        if (current != null && Arrays.equals(current.id(), sessionId) && !ctx.isLastOperation()) {
            throw new NfsException(NfsStatus.NFS4ERR_NOT_ONLY_OP, "DESTROY_SESSION of this COMPOUND's own session must be last");
        }
        ctx.services().state().destroySession(sessionId, ctx.connection());
    }
}
