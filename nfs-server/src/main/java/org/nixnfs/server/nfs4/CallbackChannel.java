package org.nixnfs.server.nfs4;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.nixnfs.server.nfs4.state.Delegation;

/**
 * One client's callback channel, as recalls see it: a 4.1/4.2 session's backchannel
 * ({@link SessionCallbackChannel}) or a 4.0 callback connection ({@link ConnectionCallbackChannel}).
 */
public interface CallbackChannel {
    /** Splits the client's recalls into the fewest calls the channel allows. */
    List<List<Delegation>> batches(List<Delegation> ds);

    /** Sends one CB_COMPOUND recalling {@code batch}; completes exceptionally if it got no reply. */
    CompletableFuture<RecallReply> recall(List<Delegation> batch);
}
