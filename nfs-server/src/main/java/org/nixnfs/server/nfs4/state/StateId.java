package org.nixnfs.server.nfs4.state;

import java.util.Arrays;
import java.util.HexFormat;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** An NFSv4 stateid4: a sequence number and 12 opaque bytes naming the state. */
public record StateId(int seqid, byte[] other) {
    public static final int OTHER_LENGTH = 12;
    private static final byte[] ZEROS = new byte[OTHER_LENGTH];
    private static final byte[] ONES = filled((byte) 0xff);

    /** The special "current stateid" of NFSv4.1 (RFC 8881 section 8.2.3). */
    public static final StateId CURRENT = new StateId(1, ZEROS);
    /** The special invalid stateid that NFSv4.1 CLOSE returns. */
    public static final StateId INVALID = new StateId(-1, ZEROS);

    public static StateId read(XdrDecoder in) {
        return new StateId(in.readInt(), in.readFixedOpaque(OTHER_LENGTH));
    }

    public void write(XdrEncoder out) {
        out.writeInt(seqid).writeFixedOpaque(other);
    }

    /** All-zeros (anonymous) or all-ones (READ bypass): READ is allowed without an OPEN. */
    public boolean isAnonymousOrBypass() {
        return (seqid == 0 && Arrays.equals(other, ZEROS)) || (seqid == -1 && Arrays.equals(other, ONES));
    }

    public boolean isCurrent() {
        return seqid == 1 && Arrays.equals(other, ZEROS);
    }

    public StateId withSeqid(int s) {
        return new StateId(s, other);
    }

    private static byte[] filled(byte b) {
        byte[] a = new byte[OTHER_LENGTH];
        Arrays.fill(a, b);
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateId s && s.seqid == seqid && Arrays.equals(s.other, other);
    }

    @Override
    public int hashCode() {
        return 31 * seqid + Arrays.hashCode(other);
    }

    @Override
    public String toString() {
        return seqid + ":" + HexFormat.of().formatHex(other);
    }
}
