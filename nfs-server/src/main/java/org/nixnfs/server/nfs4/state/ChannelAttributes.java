package org.nixnfs.server.nfs4.state;

import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** channel_attrs4 (RFC 8881 section 18.36): the limits of a session's channel. */
public record ChannelAttributes(int headerPadSize, int maxRequestSize, int maxResponseSize,
                                int maxResponseSizeCached, int maxOperations, int maxRequests) {

    public static ChannelAttributes read(XdrDecoder in) {
        ChannelAttributes a = new ChannelAttributes(in.readInt(), in.readInt(), in.readInt(), in.readInt(),
                in.readInt(), in.readInt());
        int rdma = in.readArrayLength(1, 4);
        for (int i = 0; i < rdma; i++) {
            in.readInt();
        }
        return a;
    }

    public void write(XdrEncoder out) {
        out.writeInt(headerPadSize).writeInt(maxRequestSize).writeInt(maxResponseSize)
                .writeInt(maxResponseSizeCached).writeInt(maxOperations).writeInt(maxRequests).writeInt(0);
    }

    /** What the server grants: the smaller of each limit, no header padding. */
    public ChannelAttributes negotiate(ChannelAttributes serverLimits) {
        return new ChannelAttributes(0,
                Integer.compareUnsigned(maxRequestSize, serverLimits.maxRequestSize) < 0 ? maxRequestSize : serverLimits.maxRequestSize,
                Integer.compareUnsigned(maxResponseSize, serverLimits.maxResponseSize) < 0 ? maxResponseSize : serverLimits.maxResponseSize,
                Integer.compareUnsigned(maxResponseSizeCached, serverLimits.maxResponseSizeCached) < 0 ? maxResponseSizeCached : serverLimits.maxResponseSizeCached,
                Math.max(1, Integer.compareUnsigned(maxOperations, serverLimits.maxOperations) < 0 ? maxOperations : serverLimits.maxOperations),
                Math.max(1, Integer.compareUnsigned(maxRequests, serverLimits.maxRequests) < 0 ? maxRequests : serverLimits.maxRequests));
    }
}
