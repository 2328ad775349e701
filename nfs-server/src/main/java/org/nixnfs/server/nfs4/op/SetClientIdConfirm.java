package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CallbackConnector;
import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * SETCLIENTID_CONFIRM (4.0); then the client's callback path is probed in the background
 * (connect, CB_NULL), and its OPENs get delegations once that worked.
 */
public final class SetClientIdConfirm implements Operation<SetClientIdConfirm.Arguments> {
    record Arguments(long clientId, byte[] confirmVerifier) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        return new Arguments(in.readLong(), Args.verifier(in));
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ClientRecord c = ctx.services().state().confirmClientId(args.clientId(), args.confirmVerifier());
        CallbackConnector connector = ctx.services().callbacks40();
        ClientCallback cb = c == null ? null : c.callback();
        if (connector != null && cb != null && cb.target() != null) {
            connector.probe(Long.toHexString(c.clientId()) + " (" + c.address() + ")", cb);
        }
    }
}
