package org.nixnfs.server.nfs4.op;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.nixnfs.server.nfs4.state.Backchannel;
import org.nixnfs.server.rpc.Credential;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;
import org.nixnfs.server.xdr.XdrDecoder;

/** Decoding helpers for argument types several operations share. */
final class Args {
    /** Generous for a component name; {@link org.nixnfs.server.vfs.Names} enforces the real limit. */
    private static final int MAX_COMPONENT = 4096;
    /** Owner ids, client ids: opaque&lt;NFS4_OPAQUE_LIMIT&gt;. */
    static final int OPAQUE_LIMIT = 1024;
    static final int SESSION_ID_SIZE = 16;
    private static final int RPCSEC_GSS = 6;
    private static final int MAX_SEC_PARMS = 16;
    private static final int MAX_MACHINE_NAME = 255;
    private static final int MAX_GROUPS = 16;

    private Args() {
    }

    static String component(XdrDecoder in) {
        return in.readString(MAX_COMPONENT);
    }

    /** An nfs_fh4; a handle longer than NFS4_FHSIZE is BADHANDLE, not garbage. */
    static FileHandle fileHandle(XdrDecoder in) throws NfsException {
        byte[] b = in.readOpaque(MAX_COMPONENT);
        if (b.length == 0 || b.length > FileHandle.MAX_SIZE) {
            throw new NfsException(NfsStatus.NFS4ERR_BADHANDLE, "file handle of " + b.length + " bytes");
        }
        return new FileHandle(b);
    }

    static byte[] verifier(XdrDecoder in) {
        return in.readFixedOpaque(8);
    }

    static byte[] sessionId(XdrDecoder in) {
        return in.readFixedOpaque(SESSION_ID_SIZE);
    }

    /**
     * callback_sec_parms4&lt;&gt;: the first AUTH_NONE or AUTH_SYS entry, as the credential
     * callbacks will carry (an AUTH_SYS body re-encoded as the client gave it), or null when only
     * RPCSEC_GSS is offered, which we cannot call back with. An unknown flavor is INVAL.
     */
    static Backchannel.Security callbackSecurity(XdrDecoder in) throws NfsException {
        int n = in.readArrayLength(MAX_SEC_PARMS, 4);
        Backchannel.Security chosen = null;
        for (int i = 0; i < n; i++) {
            int flavor = in.readInt();
            if (flavor == Credential.AUTH_SYS) {
                int stamp = in.readInt();
                String machine = in.readString(MAX_MACHINE_NAME);
                int uid = in.readInt();
                int gid = in.readInt();
                int groups = in.readArrayLength(MAX_GROUPS, 4);
                ByteBuffer body = ByteBuffer.allocate(20 + machine.length() * 4 + 3 + groups * 4);
                byte[] name = machine.getBytes(StandardCharsets.UTF_8);
                body.putInt(stamp).putInt(name.length).put(name).put(new byte[XdrDecoder.pad(name.length) - name.length])
                        .putInt(uid).putInt(gid).putInt(groups);
                for (int g = 0; g < groups; g++) {
                    body.putInt(in.readInt());
                }
                if (chosen == null) {
                    chosen = new Backchannel.Security(flavor, Arrays.copyOf(body.array(), body.position()));
                }
            } else if (flavor == RPCSEC_GSS) {
                in.readInt(); // service
                in.readOpaque(OPAQUE_LIMIT); // handle from server
                in.readOpaque(OPAQUE_LIMIT); // handle from client
            } else if (flavor == Credential.AUTH_NONE) {
                if (chosen == null) {
                    chosen = new Backchannel.Security(flavor, new byte[0]);
                }
            } else {
                throw new NfsException(NfsStatus.NFS4ERR_INVAL, "callback security flavor " + flavor);
            }
        }
        return chosen;
    }
}
