package org.nixnfs.server.nfs4;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.rpc.Deferred;
import org.nixnfs.server.rpc.RpcCall;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;
import org.nixnfs.server.xdr.XdrException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a COMPOUND (RFC 7530 section 15.2, RFC 8881 section 2.10.6): decodes the header, then
 * runs the operations in order, stopping at the first that fails. On the event loop it stops
 * at the first operation that cannot execute without the disk (see
 * {@link Operation#executeInMemory}) and hands the rest to a worker thread, which picks up
 * exactly there. Enforces the sequencing rules of sessions (SEQUENCE first, session-less
 * operations alone) and keeps the session's replay cache.
 */
public final class CompoundProcessor {
    private static final Logger log = LoggerFactory.getLogger(CompoundProcessor.class);
    private static final int MAX_TAG = 1024;
    /** More operations than any client sends; a larger count is refused before anything runs. */
    private static final int MAX_OPS = 1024;
    public static final int MAX_MINOR_VERSION = 2;

    private final NfsServices services;
    private final Operations operations;
    private final CompoundObserver observer;

    public CompoundProcessor(NfsServices services, Operations operations, CompoundObserver observer) {
        this.services = services;
        this.operations = operations;
        this.observer = observer;
    }

    /**
     * Runs a COMPOUND.
     *
     * @param onEventLoop stop before the first operation that may wait for the disk and return
     *                    the rest, to be finished on a worker thread
     * @return null when the reply is complete, else the rest of the COMPOUND
     */
    public Deferred process(RpcCall call, XdrEncoder out, boolean onEventLoop) {
        XdrDecoder in = call.args();
        int requestSize = in.buffer().writerIndex(); // the whole RPC message: the decoder reads the record from 0
        long start = out.mark();
        byte[] tag = in.readOpaque(MAX_TAG);
        int minor = in.readInt();
        long numOps = in.readUnsignedInt();

        XdrEncoder.IntSlot status = out.reserveInt();
        out.writeOpaque(tag);
        XdrEncoder.IntSlot resultCount = out.reserveInt();
        if (minor < 0 || minor > MAX_MINOR_VERSION) {
            status.set(NfsStatus.NFS4ERR_MINOR_VERS_MISMATCH);
            return null;
        }
        if (numOps > MAX_OPS) {
            status.set(NfsStatus.NFS4ERR_RESOURCE);
            return null;
        }
        if (!isUtf8(tag)) {
            status.set(NfsStatus.NFS4ERR_INVAL); // RFC 8881 section 14.4: invalid UTF-8 from a client is INVAL
            return null;
        }
        CompoundContext ctx = new CompoundContext(services, call, minor, numOps, requestSize);
        Run run = new Run(call, out, ctx, start, status, resultCount);
        return run.resume(onEventLoop) ? null : () -> run.resume(false);
    }

    /** One COMPOUND in progress: where it is, and what it has answered so far. */
    private final class Run {
        final RpcCall call;
        final XdrDecoder in;
        final XdrEncoder out;
        final CompoundContext ctx;
        final long start;
        final XdrEncoder.IntSlot status;
        final XdrEncoder.IntSlot resultCount;
        /** An operation decoded on the event loop that may block: the worker runs it first. */
        Step handedOver;
        int next;
        int results;
        /**
         * When the operation being run began (with decoding its arguments): one clock read per
         * operation, the end of one being the start of the next.
         */
        long clock;
        int lastStatus = NfsStatus.NFS4_OK;

        Run(RpcCall call, XdrEncoder out, CompoundContext ctx, long start, XdrEncoder.IntSlot status,
            XdrEncoder.IntSlot resultCount) {
            this.call = call;
            this.in = call.args();
            this.out = out;
            this.ctx = ctx;
            this.start = start;
            this.status = status;
            this.resultCount = resultCount;
        }

        /** Runs operations until the end, or (on the event loop) until one may block: false then. */
        boolean resume(boolean onEventLoop) {
            boolean finished = false;
            clock = System.nanoTime(); // not counting the wait for a worker
            ctx.runningOnWorker(!onEventLoop);
            try {
                finished = runOperations(onEventLoop);
                return finished;
            } finally {
                if (finished) {
                    completeSlot(ctx, out, start);
                }
            }
        }

        private boolean runOperations(boolean onEventLoop) {
            long numOps = ctx.operationCount();
            for (; next < numOps && lastStatus == NfsStatus.NFS4_OK; next++) {
                Step step = handedOver;
                handedOver = null;
                if (step == null) {
                    int opcode;
                    try {
                        opcode = in.readInt();
                    } catch (XdrException e) {
                        lastStatus = NfsStatus.NFS4ERR_BADXDR;
                        out.writeInt(OpCode.ILLEGAL).writeInt(lastStatus);
                        results++;
                        break;
                    }
                    ctx.atOperation(next);
                    step = decode(opcode);
                }
                Outcome outcome = execute(step, onEventLoop);
                if (outcome == Outcome.REPLAYED) {
                    return true; // answered from the replay cache
                }
                if (outcome == Outcome.HANDED_OVER) {
                    handedOver = step; // the worker starts with this operation, already decoded
                    return false;
                }
                results++;
            }
            status.set(lastStatus);
            resultCount.set(results);
            if (ctx.bytesRead() > 0) {
                observer.bytesRead(ctx.bytesRead());
            }
            return true;
        }

        /** Reads the operation's arguments; an operation that may not run here fails with its error. */
        private Step decode(int opcode) {
            Operation<?> op = operations.lookup(opcode, ctx.minorVersion());
            if (op == null) {
                return Step.failed(opcode, OpCode.ILLEGAL,
                        new NfsException(NfsStatus.NFS4ERR_OP_ILLEGAL, "operation " + opcode));
            }
            try {
                checkSequencing(ctx, opcode, next, ctx.operationCount());
                return new Step(opcode, opcode, Decoded.of(op, in), null);
            } catch (NfsException e) {
                return Step.failed(opcode, opcode, e);
            } catch (XdrException e) {
                return Step.failed(opcode, opcode, undecodable(e));
            }
        }

        /**
         * Runs one operation and writes its result. On the event loop, only if it needs no disk:
         * else nothing is written and it is to be handed over.
         */
        private Outcome execute(Step step, boolean onEventLoop) {
            long mark = out.mark();
            out.writeInt(step.resultOpcode()).writeInt(NfsStatus.NFS4_OK);
            try {
                if (step.error() != null) {
                    throw step.error();
                }
                if (!onEventLoop) {
                    step.decoded().execute(ctx, out);
                } else if (!step.decoded().executeInMemory(ctx, out)) {
                    out.reset(mark);
                    return Outcome.HANDED_OVER;
                }
                checkReplySize();
            } catch (SequenceReplay replay) {
                out.reset(start);
                out.writeFixedOpaque(replay.cachedReply());
                observer.replayed(call);
                return Outcome.REPLAYED;
            } catch (NfsException e) {
                fail(mark, step, e.status());
                if (e instanceof DetailedError d) {
                    d.writeDetails(out);
                }
                logError(step.opcode(), e);
            } catch (XdrException e) {
                fail(mark, step, NfsStatus.NFS4ERR_BADXDR);
                logError(step.opcode(), undecodable(e));
            } catch (RuntimeException e) {
                fail(mark, step, NfsStatus.NFS4ERR_SERVERFAULT);
                log.error("{} {}: internal error", call.clientAddress(), OpCode.name(step.opcode()), e);
            }
            long now = System.nanoTime();
            observer.operation(step.opcode(), lastStatus, now - clock);
            clock = now;
            return Outcome.DONE;
        }

        /**
         * In a session, a reply may not outgrow what the client said it takes, nor, when it is to be
         * cached, what it said the server may cache (RFC 8881 sections 2.10.6.4 and 18.46.3): the
         * operation that overflows it fails instead, and the COMPOUND ends there.
         */
        private void checkReplySize() throws NfsException {
            Session s = ctx.session();
            if (s == null) {
                return;
            }
            long size = out.length();
            if (size > Integer.toUnsignedLong(s.fore().maxResponseSize())) {
                throw new NfsException(NfsStatus.NFS4ERR_REP_TOO_BIG, "a reply of " + size + " bytes");
            }
            if (ctx.cacheThis() && size > Integer.toUnsignedLong(s.fore().maxResponseSizeCached())) {
                throw new NfsException(NfsStatus.NFS4ERR_REP_TOO_BIG_TO_CACHE, "a reply of " + size + " bytes");
            }
        }

        private void fail(long mark, Step step, int status) {
            lastStatus = status;
            out.reset(mark);
            out.writeInt(step.resultOpcode()).writeInt(status);
        }

        /** Arguments a client sent that do not decode: its error, logged as such (it could send them on every request). */
        private static NfsException undecodable(XdrException e) {
            return new NfsException(NfsStatus.NFS4ERR_BADXDR, "undecodable arguments: " + e.getMessage());
        }

        private void logError(int opcode, NfsException e) {
            NfsErrorLog.failed(call.clientAddress(), opcode, e);
        }
    }

    /** What became of one operation: answered, the whole reply from the replay cache, or left to a worker. */
    private enum Outcome { DONE, REPLAYED, HANDED_OVER }

    /**
     * One operation of the COMPOUND, read from the request: its decoded arguments, or why it
     * cannot run (it fails at once, wherever it runs).
     */
    private record Step(int opcode, int resultOpcode, Decoded<?> decoded, NfsException error) {
        static Step failed(int opcode, int resultOpcode, NfsException error) {
            return new Step(opcode, resultOpcode, null, error);
        }
    }

    /** An operation with the arguments it decoded (the pair keeps their type together). */
    private record Decoded<A>(Operation<A> op, A args) {
        static <A> Decoded<A> of(Operation<A> op, XdrDecoder in) throws NfsException {
            return new Decoded<>(op, op.decode(in));
        }

        boolean executeInMemory(CompoundContext ctx, XdrEncoder out) throws NfsException {
            return op.executeInMemory(args, ctx, out);
        }

        void execute(CompoundContext ctx, XdrEncoder out) throws NfsException {
            op.execute(args, ctx, out);
        }
    }

    private static boolean isUtf8(byte[] bytes) {
        if (isAscii(bytes)) {
            return true; // the usual tag (Linux sends an empty one): no decoder to allocate
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkSequencing(CompoundContext ctx, int opcode, int index, long numOps) throws NfsException {
        if (ctx.minorVersion() == 0) {
            return;
        }
        if (index == 0) {
            if (opcode == OpCode.SEQUENCE) {
                return;
            }
            if (!Operations.isSessionless(opcode)) {
                throw new NfsException(NfsStatus.NFS4ERR_OP_NOT_IN_SESSION);
            }
            if (numOps > 1) {
                throw new NfsException(NfsStatus.NFS4ERR_NOT_ONLY_OP);
            }
        } else if (opcode == OpCode.SEQUENCE) {
            throw new NfsException(NfsStatus.NFS4ERR_SEQUENCE_POS);
        }
    }

    /** Frees the session slot SEQUENCE took, caching the reply when the client asked for that. */
    private static void completeSlot(CompoundContext ctx, XdrEncoder out, long start) {
        Session s = ctx.session();
        if (s == null || ctx.slot() < 0) {
            return;
        }
        byte[] reply = null;
        if (ctx.cacheThis()) {
            reply = out.copySince(start);
        }
        s.slots().complete(ctx.slot(), reply);
    }
}
