package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** DESTROY_CLIENTID (4.1): only once the client has no sessions left (else CLIENTID_BUSY). */
public final class DestroyClientId implements Operation<Long> {
    @Override
    public Long decode(XdrDecoder in) {
        return in.readLong();
    }

    @Override
    public void execute(Long clientId, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.services().state().destroyClientId(clientId);
    }
}
