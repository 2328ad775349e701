package org.nixnfs.server.nfs4;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * One NFSv4 operation (one class each, in {@code op/}). It decodes its own arguments, acts, and
 * writes its result body after the status that {@link CompoundProcessor} has written; on failure
 * it throws {@link NfsException} and the processor replaces whatever was written with the status.
 */
@FunctionalInterface
public interface Operation {
    void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException;

    /**
     * Whether executing may wait for the disk (a cache miss, a directory to read): then it runs on
     * a worker thread instead of the event loop. May peek at the arguments (the caller rewinds);
     * most operations touch only memory.
     */
    default boolean mayBlock(CompoundContext ctx, XdrDecoder args) throws NfsException {
        return false;
    }
}
