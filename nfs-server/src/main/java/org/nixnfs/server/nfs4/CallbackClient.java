package org.nixnfs.server.nfs4;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.nixnfs.server.nfs4.state.Backchannel;
import org.nixnfs.server.nfs4.state.ChannelAttributes;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.rpc.ReverseCalls;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * Calls the client back over its session's backchannel (RFC 8881 section 20): a CB_COMPOUND of
 * CB_SEQUENCE and as many CB_RECALLs as the client's back-channel attributes let one call carry
 * (ca_maxoperations, ca_maxrequestsize, ca_maxresponsesize: Linux takes CB_SEQUENCE and one more).
 * Each call takes one of the session's back-channel slots (as many as the client's
 * ca_maxrequests, Linux's is one) and is bounded by a timeout, after which the slot is free again.
 */
public final class CallbackClient implements RecallSender {
    static final int CB_VERSION = 1;
    static final int CB_COMPOUND = 1;
    static final int OP_CB_RECALL = 4;
    static final int OP_CB_SEQUENCE = 11;
    private static final int MAX_TAG = 1024;
    private static final int SESSION_ID_BYTES = 16;

    /** Call: RPC header (xid to procedure, 24), verifier (8), CB_COMPOUND header (16), CB_SEQUENCE (40); plus the credential. */
    static final int CALL_FIXED_BYTES = 24 + 8 + 16 + 40;
    /** Reply: accepted reply header (24), status, empty tag, result count (12), CB_SEQUENCE's result (40). */
    static final int REPLY_FIXED_BYTES = 24 + 12 + 40;
    /** A CB_RECALL's reply: operation and status. */
    static final int RECALL_REPLY_BYTES = 8;

    private final ReverseCalls calls;
    private final Duration timeout;

    public CallbackClient(ReverseCalls calls, Duration timeout) {
        this.calls = calls;
        this.timeout = timeout;
    }

    /** A CB_RECALL's encoded size: operation, stateid, truncate flag, file handle. */
    static int recallBytes(Delegation d) {
        return 4 + 16 + 4 + 4 + pad(d.file().bytes().length);
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }

    /**
     * Splits recalls into the fewest CB_COMPOUNDs the client's back-channel limits allow, in
     * order; a recall too large for any call still goes alone (the client answers it with an
     * error, and it is revoked at lease end like an unanswered one).
     */
    public static List<List<Delegation>> batches(ChannelAttributes limits, int credentialBytes, List<Delegation> ds) {
        long maxRecalls = Math.max(1, Integer.toUnsignedLong(limits.maxOperations()) - 1);
        long requestRoom = Integer.toUnsignedLong(limits.maxRequestSize()) - CALL_FIXED_BYTES - 8 - pad(credentialBytes);
        long replyRoom = Integer.toUnsignedLong(limits.maxResponseSize()) - REPLY_FIXED_BYTES;
        List<List<Delegation>> out = new ArrayList<>();
        List<Delegation> current = new ArrayList<>();
        long requestBytes = 0;
        for (Delegation d : ds) {
            int size = recallBytes(d);
            boolean fits = current.size() < maxRecalls && requestBytes + size <= requestRoom
                    && (current.size() + 1L) * RECALL_REPLY_BYTES <= replyRoom;
            if (!fits && !current.isEmpty()) {
                out.add(current);
                current = new ArrayList<>();
                requestBytes = 0;
            }
            current.add(d);
            requestBytes += size;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    @Override
    public List<List<Delegation>> batches(Session session, List<Delegation> ds) {
        Backchannel.Security security = session.back().security();
        return batches(session.back().limits(), security == null ? 0 : security.body().length, ds);
    }

    /**
     * Sends one CB_COMPOUND recalling {@code batch} (from {@link #batches}) on a free slot of
     * {@code session}'s backchannel. Completes with the client's per-operation results, or
     * exceptionally when the call could not be made or got no reply in time (then the backchannel
     * is marked down, which SEQUENCE tells the client, and the calls queued behind it fail at
     * once rather than each wait out its timeout).
     */
    @Override
    public CompletableFuture<RecallReply> recall(Session session, List<Delegation> batch) {
        Backchannel back = session.back();
        long requested = System.nanoTime();
        return back.acquireSlot().thenCompose(slot -> {
            Channel ch = back.connection();
            Backchannel.Security security = back.security();
            if (ch == null || security == null || back.downSince(requested)) {
                back.releaseSlot(slot, false);
                return CompletableFuture.failedFuture(new IOException(ch == null || security == null
                        ? "no backchannel connection" : "an earlier callback went unanswered"));
            }
            int minor = session.client().minorVersion();
            return calls.call(ch, back.program(), CB_VERSION, CB_COMPOUND,
                    credential(security),
                    out -> {
                        out.writeString("").writeInt(minor).writeInt(0).writeInt(1 + batch.size()); // tag, minor, ident, ops
                        out.writeInt(OP_CB_SEQUENCE).writeFixedOpaque(session.id()).writeInt(slot.sequenceId())
                                .writeInt(slot.id()).writeInt(slot.highestSlotId()).writeBoolean(false)
                                .writeInt(0); // no cache, no referring calls
                        writeRecalls(out, batch);
                    })
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((reply, failure) -> {
                        if (failure != null) {
                            back.releaseSlot(slot, false);
                            Throwable cause = failure instanceof CompletionException c && c.getCause() != null
                                    ? c.getCause() : failure;
                            if (cause instanceof TimeoutException || cause instanceof IOException) {
                                back.markDown();
                            }
                            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                        }
                        RecallReply r;
                        try {
                            r = parse(reply, batch.size());
                        } catch (RuntimeException e) {
                            back.releaseSlot(slot, true);
                            throw new CompletionException(new IOException("malformed CB_COMPOUND reply", e));
                        } finally {
                            reply.release();
                        }
                        back.releaseSlot(slot, r.slotAdvanced());
                        return r;
                    });
        });
    }

    /** The call's credential: the one the client gave for its callbacks (4.1: BACKCHANNEL_CTL / CREATE_SESSION; 4.0: its own). */
    static Consumer<XdrEncoder> credential(Backchannel.Security security) {
        return out -> out.writeInt(security.flavor()).writeOpaque(security.body());
    }

    /** The CB_RECALL operations of a CB_COMPOUND, one per delegation (both minor versions). */
    static void writeRecalls(XdrEncoder out, List<Delegation> batch) {
        for (Delegation d : batch) {
            out.writeInt(OP_CB_RECALL);
            d.stateId().write(out);
            out.writeBoolean(false).writeOpaque(d.file().bytes()); // no truncate
        }
    }

    /**
     * CB_COMPOUND4res: the results of the operations the client ran, up to and including the
     * first that failed. A CB_SEQUENCE that failed leaves every recall unanswered.
     */
    static RecallReply parse(ByteBuf reply, int recalls) {
        return parseRecalls(reply, recalls, true);
    }

    /**
     * CB_COMPOUND4res of a call that carries {@code recalls} CB_RECALLs, after a CB_SEQUENCE if
     * {@code sequenced} (4.1+; 4.0 has none): the recalls' statuses up to and including the
     * first that failed.
     */
    static RecallReply parseRecalls(ByteBuf reply, int recalls, boolean sequenced) {
        XdrDecoder in = new XdrDecoder(reply);
        int status = in.readInt();
        in.readString(MAX_TAG);
        int n = in.readInt();
        if (n < 1) {
            // A client that rejects the whole call (e.g. REQ_TOO_BIG) may answer with no result at all.
            return new RecallReply(status == NfsStatus.NFS4_OK ? NfsStatus.NFS4ERR_SERVERFAULT : status, new int[0]);
        }
        int first = 0; // the index of the first CB_RECALL result
        if (sequenced) {
            if (in.readInt() != OP_CB_SEQUENCE) {
                throw new IllegalArgumentException("the first result is not CB_SEQUENCE's");
            }
            int sequenceStatus = in.readInt();
            if (sequenceStatus != NfsStatus.NFS4_OK) {
                return new RecallReply(sequenceStatus, new int[0]);
            }
            in.readFixedOpaque(SESSION_ID_BYTES);
            in.readInt(); // sequence id
            in.readInt(); // slot id
            in.readInt(); // highest slot id
            in.readInt(); // target highest slot id
            first = 1;
        }
        int answered = Math.min(n - first, recalls);
        int[] statuses = new int[answered];
        for (int i = 0; i < answered; i++) {
            int op = in.readInt();
            if (op != OP_CB_RECALL) {
                throw new IllegalArgumentException("result " + (first + i) + " is not CB_RECALL's: " + op);
            }
            statuses[i] = in.readInt();
        }
        return new RecallReply(NfsStatus.NFS4_OK, statuses);
    }
}
