package org.nixnfs.server.nfs4;

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
}
