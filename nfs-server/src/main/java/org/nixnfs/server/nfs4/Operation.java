package org.nixnfs.server.nfs4;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * One NFSv4 operation (one class each, in {@code op/}). {@link CompoundProcessor} has it decode
 * its arguments, whole and once, into a record of type {@code A}; then, on the event loop, has it
 * {@linkplain #executeInMemory execute in memory}, and if it cannot do that without the disk,
 * {@linkplain #execute executes} it on a worker thread. It writes its result body after the
 * status that the processor has written; on failure it throws {@link NfsException} and the
 * processor replaces whatever was written with the status.
 *
 * @param <A> the decoded arguments ({@link Void} for none)
 */
public interface Operation<A> {
    /**
     * Reads the operation's arguments. Malformed XDR throws {@code XdrException} (BADXDR); a
     * well-formed value the protocol forbids may throw the error the RFC names for it.
     */
    A decode(XdrDecoder in) throws NfsException;

    /**
     * On the event loop: executes the operation if it can without the disk (or any other wait)
     * and returns true; else returns false having changed nothing (no result written, no state,
     * no current file), and the processor hands it to a worker thread, which {@link #execute}s
     * it. Errors are thrown as {@link #execute} throws them. Most operations touch only memory:
     * by default, this is {@link #execute}.
     *
     * <p>An operation that may need the disk (a cache miss, a directory to read) looks in the
     * caches here, once: what it finds is what it answers with. (A check "is it cached?" before
     * executing would look the same node up twice per request: PUTFH, LOOKUP, OPEN and READ are
     * the bulk of the requests.)
     */
    default boolean executeInMemory(A args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        execute(args, ctx, result);
        return true;
    }

    /** Executes the operation, waiting for the disk where it must (on a worker thread). */
    void execute(A args, CompoundContext ctx, XdrEncoder result) throws NfsException;

    /** An operation without arguments. */
    interface WithoutArguments extends Operation<Void> {
        @Override
        default Void decode(XdrDecoder in) {
            return null;
        }
    }
}
