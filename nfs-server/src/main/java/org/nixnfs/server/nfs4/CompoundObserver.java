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

    /** File bytes the READs of one COMPOUND returned, when more than zero. */
    default void bytesRead(long n) {
    }

    /** Tells both observers. */
    static CompoundObserver both(CompoundObserver a, CompoundObserver b) {
        if (b == NONE) {
            return a;
        }
        return new CompoundObserver() {
            @Override
            public void operation(int opcode, int status, long nanos) {
                a.operation(opcode, status, nanos);
                b.operation(opcode, status, nanos);
            }

            @Override
            public void replayed(RpcCall call) {
                a.replayed(call);
                b.replayed(call);
            }

            @Override
            public void bytesRead(long n) {
                a.bytesRead(n);
                b.bytesRead(n);
            }
        };
    }
}
