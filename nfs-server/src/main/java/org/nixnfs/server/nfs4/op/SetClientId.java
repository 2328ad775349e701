package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** SETCLIENTID (4.0): establishes a client id. The callback address is ignored: we never call back. */
public final class SetClientId implements Operation {
    private static final int MAX_NETADDR = 128;

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        byte[] verifier = Args.verifier(args);
        byte[] ownerId = args.readOpaque(Args.OPAQUE_LIMIT);
        args.readInt(); // cb_program
        args.readString(MAX_NETADDR); // r_netid
        args.readString(MAX_NETADDR); // r_addr
        args.readInt(); // callback_ident
        StateManager.SetClientIdResult r = ctx.services().state().setClientId(ownerId, verifier, ctx.call().clientAddress());
        result.writeLong(r.clientId()).writeFixedOpaque(r.confirmVerifier());
    }
}
