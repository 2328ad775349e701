package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** SETCLIENTID (4.0): establishes a client id. The callback address is ignored: we never call back. */
public final class SetClientId implements Operation<SetClientId.Arguments> {
    private static final int MAX_NETADDR = 128;

    /** nfs_client_id4; the callback (program, netid, address, ident) is read past. */
    record Arguments(byte[] verifier, byte[] ownerId) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        byte[] verifier = Args.verifier(in);
        byte[] ownerId = in.readOpaque(Args.OPAQUE_LIMIT);
        in.readInt();
        in.readString(MAX_NETADDR);
        in.readString(MAX_NETADDR);
        in.readInt();
        return new Arguments(verifier, ownerId);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateManager.SetClientIdResult r = ctx.services().state().setClientId(args.ownerId(), args.verifier(),
                ctx.principal(), ctx.call().clientAddress());
        result.writeLong(r.clientId()).writeFixedOpaque(r.confirmVerifier());
    }
}
