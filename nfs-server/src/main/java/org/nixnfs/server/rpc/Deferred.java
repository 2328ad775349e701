package org.nixnfs.server.rpc;

/**
 * The rest of a call that may wait for the disk: started on the event loop, it is finished on
 * the worker pool, writing into the same reply.
 */
@FunctionalInterface
public interface Deferred {
    void finish() throws RpcException;
}
