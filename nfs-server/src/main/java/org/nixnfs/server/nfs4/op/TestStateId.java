package org.nixnfs.server.nfs4.op;

import java.util.ArrayList;
import java.util.List;
import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** TEST_STATEID (4.1): the status each stateid would get if used now. */
public final class TestStateId implements Operation {
    private static final int MAX_STATEIDS = 1024;

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        int n = args.readArrayLength(MAX_STATEIDS, 16);
        List<Integer> statuses = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StateId id = StateId.read(args);
            int status = NfsStatus.NFS4_OK;
            try {
                if (!id.isAnonymousOrBypass()) {
                    ctx.services().state().anyState(id, ctx.minorVersion());
                }
            } catch (NfsException e) {
                status = e.status();
            }
            statuses.add(status);
        }
        result.writeInt(n);
        statuses.forEach(result::writeInt);
    }
}
