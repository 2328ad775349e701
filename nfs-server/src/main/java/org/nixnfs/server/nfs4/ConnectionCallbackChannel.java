package org.nixnfs.server.nfs4;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nixnfs.server.nfs4.state.ChannelAttributes;
import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.nfs4.state.Delegation;

/**
 * A 4.0 client's callback channel: CB_COMPOUND with minorversion 0 and the client's
 * callback_ident, carrying only CB_RECALLs (RFC 7530 section 17.2), over the connection
 * {@link CallbackConnector} keeps (made again if it was lost). A 4.0 client states no limits, so
 * a call carries at most {@link #LIMITS}' worth: 16 recalls, 4 KiB (Linux's callback service
 * takes a page). A call with no reply in time closes the connection, so the next try makes a new
 * one.
 */
record ConnectionCallbackChannel(CallbackConnector connector, ClientCallback callback) implements CallbackChannel {
    /** As if the client had offered CB_SEQUENCE plus 16 operations in 4 KiB calls and replies. */
    static final ChannelAttributes LIMITS = new ChannelAttributes(0, 4096, 4096, 0, 17, 1);

    @Override
    public List<List<Delegation>> batches(List<Delegation> ds) {
        return CallbackClient.batches(LIMITS, callback.security().body().length, ds);
    }

    @Override
    public CompletableFuture<RecallReply> recall(List<Delegation> batch) {
        return connector.connection(callback).thenCompose(ch -> connector.calls()
                .call(ch, callback.program(), CallbackClient.CB_VERSION, CallbackClient.CB_COMPOUND,
                        CallbackClient.credential(callback.security()),
                        out -> {
                            out.writeString("").writeInt(0).writeInt(callback.ident()).writeInt(batch.size());
                            CallbackClient.writeRecalls(out, batch);
                        })
                .orTimeout(connector.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((reply, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException c && c.getCause() != null
                                ? c.getCause() : failure;
                        if (cause instanceof TimeoutException) {
                            ch.close(); // unanswered: the next try connects again
                        }
                        throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                    }
                    try {
                        return parse(reply, batch.size());
                    } catch (RuntimeException e) {
                        throw new CompletionException(new IOException("malformed CB_COMPOUND reply", e));
                    } finally {
                        reply.release();
                    }
                }));
    }

    /** CB_COMPOUND4res of CB_RECALLs (no CB_SEQUENCE in 4.0): the results up to and including the first that failed. */
    static RecallReply parse(ByteBuf reply, int recalls) {
        return CallbackClient.parseRecalls(reply, recalls, false);
    }
}
