package org.nixnfs.server.nfs4;

import org.nixnfs.server.rpc.RpcCall;

/** Sees every operation's outcome and latency: the hook for metrics. Must not block. */
public interface CompoundObserver {
    CompoundObserver NONE = new CompoundObserver() {
    };

    default void operation(int opcode, int status, long nanos) {
    }

    default void replayed(RpcCall call) {
    }
}
