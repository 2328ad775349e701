package org.nixnfs.server.rpc;

import io.netty.buffer.Unpooled;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * The caller's identity from the RPC credential: AUTH_SYS (uid, gid, groups) or AUTH_NONE,
 * which we treat as the anonymous user "nobody".
 */
public record Credential(int flavor, String machine, int uid, int gid, int[] groups) {
    public static final int AUTH_NONE = 0;
    public static final int AUTH_SYS = 1;
    public static final int NOBODY = 65534;
    private static final int MAX_MACHINE_NAME = 255;
    private static final int MAX_GROUPS = 16;

    public static Credential none() {
        return new Credential(AUTH_NONE, "", NOBODY, NOBODY, new int[0]);
    }

    /** Decodes an authsys_parms body (RFC 5531 appendix A). */
    public static Credential authSys(byte[] body) {
        XdrDecoder d = new XdrDecoder(Unpooled.wrappedBuffer(body));
        d.readInt(); // stamp
        String machine = d.readString(MAX_MACHINE_NAME);
        int uid = d.readInt();
        int gid = d.readInt();
        int n = d.readArrayLength(MAX_GROUPS, 4);
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) {
            groups[i] = d.readInt();
        }
        return new Credential(AUTH_SYS, machine, uid, gid, groups);
    }

    public boolean inGroup(int g) {
        if (gid == g) {
            return true;
        }
        for (int x : groups) {
            if (x == g) {
                return true;
            }
        }
        return false;
    }
}
