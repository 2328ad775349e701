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
public final class TestStateId implements Operation<List<StateId>> {
    private static final int MAX_STATEIDS = 1024;

    @Override
    public List<StateId> decode(XdrDecoder in) {
        int n = in.readArrayLength(MAX_STATEIDS, 16);
        List<StateId> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(StateId.read(in));
        }
        return ids;
    }

    @Override
    public void execute(List<StateId> ids, CompoundContext ctx, XdrEncoder result) {
        int n = ids.size();
        List<Integer> statuses = new ArrayList<>(n);
        for (StateId id : ids) {
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
