package org.nixnfs.server.nfs4;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.Session;

/** A 4.1/4.2 client's callback channel: the backchannel of one of its sessions. */
record SessionCallbackChannel(RecallSender sender, Session session) implements CallbackChannel {
    @Override
    public List<List<Delegation>> batches(List<Delegation> ds) {
        return sender.batches(session, ds);
    }

    @Override
    public CompletableFuture<RecallReply> recall(List<Delegation> batch) {
        return sender.recall(session, batch);
    }
}
