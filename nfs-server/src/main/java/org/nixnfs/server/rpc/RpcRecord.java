package org.nixnfs.server.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/** One outgoing RPC record: ordered {@link ByteBuf} and {@link FileRegion} parts. */
public final class RpcRecord extends AbstractReferenceCounted {
    private List<Object> parts;

    public RpcRecord(List<Object> parts) {
        this.parts = new ArrayList<>(parts);
    }

    public long length() {
        long n = 0;
        for (Object p : parts) {
            n += p instanceof ByteBuf b ? b.readableBytes() : ((FileRegion) p).count();
        }
        return n;
    }

    /** Transfers ownership of the parts to the caller. */
    List<Object> takeParts() {
        List<Object> p = parts;
        parts = List.of();
        return p;
    }

    @Override
    protected void deallocate() {
        for (Object p : parts) {
            ReferenceCountUtil.safeRelease(p);
        }
        parts = List.of();
    }

    @Override
    public RpcRecord touch(Object hint) {
        return this;
    }
}
