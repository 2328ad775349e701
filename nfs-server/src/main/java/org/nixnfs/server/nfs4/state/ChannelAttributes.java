package org.nixnfs.server.nfs4.state;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** channel_attrs4 (RFC 8881 section 18.36): the limits of a session's channel. */
public record ChannelAttributes(int headerPadSize, int maxRequestSize, int maxResponseSize,
                                int maxResponseSizeCached, int maxOperations, int maxRequests) {
    /**
     * The smallest request that can use a session, RPC header included as the sizes are (RFC 8881
     * section 18.36.3): call header with empty AUTH_NONE credential and verifier (40 bytes), empty
     * tag, minor version and operation count (12), SEQUENCE alone (36).
     */
    static final int MIN_REQUEST_SIZE = 40 + 12 + 36;
    /**
     * The smallest reply: accepted reply header with empty verifier (24 bytes), status, empty tag
     * and result count (12), SEQUENCE's result (44).
     */
    static final int MIN_RESPONSE_SIZE = 24 + 12 + 44;

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

    /** A fore channel that could not carry even a SEQUENCE alone, or its reply, is TOOSMALL. */
    void checkLargeEnough() throws NfsException {
        if (Integer.compareUnsigned(maxRequestSize, MIN_REQUEST_SIZE) < 0
                || Integer.compareUnsigned(maxResponseSize, MIN_RESPONSE_SIZE) < 0) {
            throw new NfsException(NfsStatus.NFS4ERR_TOOSMALL, "ca_maxrequestsize " + maxRequestSize
                    + " / ca_maxresponsesize " + maxResponseSize + " fit no COMPOUND");
        }
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
