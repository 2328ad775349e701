package org.nixnfs.server.nfs4;

import org.nixnfs.server.rpc.Deferred;
import org.nixnfs.server.rpc.Rpc;
import org.nixnfs.server.rpc.RpcCall;
import org.nixnfs.server.rpc.RpcException;
import org.nixnfs.server.rpc.RpcProgram;
import org.nixnfs.server.xdr.XdrEncoder;

/** RPC program 100003 version 4: NULL and COMPOUND. */
public final class Nfs4Program implements RpcProgram {
    public static final int PROGRAM = 100003;
    public static final int VERSION = 4;
    private static final int PROC_NULL = 0;
    private static final int PROC_COMPOUND = 1;

    private final CompoundProcessor processor;

    public Nfs4Program(CompoundProcessor processor) {
        this.processor = processor;
    }

    @Override
    public int number() {
        return PROGRAM;
    }

    @Override
    public int lowVersion() {
        return VERSION;
    }

    @Override
    public int highVersion() {
        return VERSION;
    }

    @Override
    public Deferred call(RpcCall call, XdrEncoder out, boolean mayDefer) throws RpcException {
        return switch (call.procedure()) {
            case PROC_NULL -> null;
            case PROC_COMPOUND -> processor.process(call, out, mayDefer);
            default -> throw new RpcException(Rpc.PROC_UNAVAIL, "NFSv4 has no procedure " + call.procedure());
        };
    }
}
