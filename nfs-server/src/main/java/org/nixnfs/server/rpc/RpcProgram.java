package org.nixnfs.server.rpc;

import org.nixnfs.server.xdr.XdrEncoder;

/** An ONC RPC program served by {@link RpcDispatcher}: NFS here, and nothing else is needed for v4. */
public interface RpcProgram {
    int number();

    int lowVersion();

    int highVersion();

    /**
     * Runs one call. Writes the procedure's results to {@code out} (the accepted-reply header is
     * already there), or throws {@link RpcException} for an RPC-level error, having spliced no file
     * data.
     */
    void call(RpcCall call, XdrEncoder out) throws RpcException;

    /**
     * Whether a call with this program/version/procedure may run on the event loop thread
     * (cheap, never blocks) rather than on the worker pool.
     */
    default boolean runsInline(int version, int procedure) {
        return false;
    }
}
