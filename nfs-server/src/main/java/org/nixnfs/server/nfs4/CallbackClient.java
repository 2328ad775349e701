package org.nixnfs.server.nfs4;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.nfs4.state.Backchannel;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.rpc.ReverseCalls;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * Calls the client back over its session's backchannel (RFC 8881 section 20): a CB_COMPOUND of
 * CB_SEQUENCE (slot 0, the next sequence id) and one CB_RECALL, since Linux takes at most two
 * operations per callback. Calls of one session go one at a time (it has one slot); each is
 * bounded by a timeout, after which the next may go.
 */
public final class CallbackClient {
    static final int CB_VERSION = 1;
    static final int CB_COMPOUND = 1;
    static final int OP_CB_RECALL = 4;
    static final int OP_CB_SEQUENCE = 11;
    private static final int MAX_TAG = 1024;

    private final ReverseCalls calls;
    private final Duration timeout;

    public CallbackClient(ReverseCalls calls, Duration timeout) {
        this.calls = calls;
        this.timeout = timeout;
    }

    /**
     * Sends CB_RECALL for {@code d} on {@code session}'s backchannel. Completes with the status of
     * the CB_COMPOUND (NFS4_OK: the client will return the delegation), or exceptionally when the
     * call could not be made or got no reply in time.
     */
    public CompletableFuture<Integer> recall(Session session, Delegation d) {
        Backchannel back = session.back();
        return back.enqueue(() -> {
            Channel ch = back.connection();
            Backchannel.Security security = back.security();
            if (ch == null || security == null) {
                return CompletableFuture.failedFuture(new IOException("no backchannel connection"));
            }
            int sequenceId = back.nextSequenceId();
            int minor = session.client().minorVersion();
            return calls.call(ch, back.program(), CB_VERSION, CB_COMPOUND,
                    out -> out.writeInt(security.flavor()).writeOpaque(security.body()),
                    out -> {
                        out.writeString("").writeInt(minor).writeInt(0).writeInt(2); // tag, minor version, ident, 2 ops
                        out.writeInt(OP_CB_SEQUENCE).writeFixedOpaque(session.id()).writeInt(sequenceId).writeInt(0)
                                .writeInt(0).writeBoolean(false).writeInt(0); // slot 0 of 1, no cache, no referring calls
                        out.writeInt(OP_CB_RECALL);
                        d.stateId().write(out);
                        out.writeBoolean(false).writeOpaque(d.file().bytes()); // no truncate
                    })
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((reply, failure) -> {
                        if (failure != null) {
                            back.unusedSequenceId(sequenceId);
                            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                        }
                        try {
                            return compoundStatus(reply);
                        } finally {
                            reply.release();
                        }
                    });
        });
    }

    /** CB_COMPOUND4res: its status (the first failing operation's); the results are not needed. */
    static int compoundStatus(ByteBuf reply) {
        XdrDecoder in = new XdrDecoder(reply);
        int status = in.readInt();
        in.readString(MAX_TAG);
        return status;
    }
}
