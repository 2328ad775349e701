package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * RENEW (4.0): keeps the client's lease; a forgotten client gets STALE_CLIENTID and starts over.
 * A client holding delegations whose callback path is down is told NFS4ERR_CB_PATH_DOWN (RFC 7530
 * section 16.29.5; the lease is renewed all the same), so it can give SETCLIENTID a new callback.
 */
public final class Renew implements Operation<Long> {
    @Override
    public Long decode(XdrDecoder in) {
        return in.readLong();
    }

    @Override
    public void execute(Long clientId, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ClientRecord c = ctx.services().state().client(clientId);
        ClientCallback cb = c.callback();
        if (cb != null && cb.status() == ClientCallback.Status.DOWN && ctx.services().state().delegations().count(c) > 0) {
            throw new NfsException(NfsStatus.NFS4ERR_CB_PATH_DOWN, "the callback path is down");
        }
    }
}
