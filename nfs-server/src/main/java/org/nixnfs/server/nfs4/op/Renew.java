package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** RENEW (4.0): keeps the client's lease; a forgotten client gets STALE_CLIENTID and starts over. */
public final class Renew implements Operation<Long> {
    @Override
    public Long decode(XdrDecoder in) {
        return in.readLong();
    }

    @Override
    public void execute(Long clientId, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.services().state().client(clientId);
    }
}
