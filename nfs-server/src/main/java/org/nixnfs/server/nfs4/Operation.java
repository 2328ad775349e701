package org.nixnfs.server.nfs4;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * One NFSv4 operation (one class each, in {@code op/}). {@link CompoundProcessor} has it decode
 * its arguments, whole and once, into a record of type {@code A}; asks with them whether it may
 * wait for the disk; then executes it with them, on the event loop or on a worker. It writes its
 * result body after the status that the processor has written; on failure it throws
 * {@link NfsException} and the processor replaces whatever was written with the status.
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
     * Whether executing may wait for the disk (a cache miss, a directory to read): then it runs on
     * a worker thread instead of the event loop. Most operations touch only memory.
     */
    default boolean mayBlock(A args, CompoundContext ctx) throws NfsException {
        return false;
    }

    void execute(A args, CompoundContext ctx, XdrEncoder result) throws NfsException;

    /** An operation without arguments. */
    interface WithoutArguments extends Operation<Void> {
        @Override
        default Void decode(XdrDecoder in) {
            return null;
        }
    }
}
