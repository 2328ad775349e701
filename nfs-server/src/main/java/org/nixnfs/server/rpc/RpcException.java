package org.nixnfs.server.rpc;

/** Ends a call with an RPC-level accept_stat other than SUCCESS (PROC_UNAVAIL, GARBAGE_ARGS, ...). */
public final class RpcException extends Exception {
    private final int acceptStat;

    public RpcException(int acceptStat, String message) {
        super(message, null, false, false);
        this.acceptStat = acceptStat;
    }

    public int acceptStat() {
        return acceptStat;
    }
}
