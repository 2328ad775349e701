package org.nixnfs.server.nfs4;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.Session;

/** Sends CB_RECALLs over a session's backchannel: {@link CallbackClient}, or a fake in tests. */
public interface RecallSender {
    /** Splits one client's recalls into the fewest calls its back-channel limits allow. */
    List<List<Delegation>> batches(Session session, List<Delegation> ds);

    /** Sends one call recalling {@code batch}; completes exceptionally if it got no reply. */
    CompletableFuture<RecallReply> recall(Session session, List<Delegation> batch);
}
