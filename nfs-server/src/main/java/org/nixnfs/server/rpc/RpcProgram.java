package org.nixnfs.server.rpc;

import org.nixnfs.server.xdr.XdrEncoder;

/** An ONC RPC program served by {@link RpcDispatcher}: NFS here, and nothing else is needed for v4. */
public interface RpcProgram {
    int number();

    int lowVersion();

    int highVersion();

    /**
     * Runs one call, writing the procedure's results to {@code out} (the accepted-reply header is
     * already there), or throws {@link RpcException} for an RPC-level error.
     *
     * @param mayDefer the call runs on an event loop: work that may wait for the disk must not be
     *                 done here but returned as a {@link Deferred}, which a worker thread finishes
     * @return null when the reply is complete, else the rest of the work
     */
    Deferred call(RpcCall call, XdrEncoder out, boolean mayDefer) throws RpcException;
}
