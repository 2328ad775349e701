package org.nixnfs.server.vfs;

import java.nio.charset.StandardCharsets;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;

/**
 * Checks a component name a client sent before it gets near the disk: a name is one path
 * component, so "/", NUL, "." and ".." are refused, which keeps every lookup inside the export.
 */
public final class Names {
    public static final int MAX_NAME_BYTES = 255;

    private Names() {
    }

    public static void validate(String name) throws NfsException {
        if (name.isEmpty()) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "empty name");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new NfsException(NfsStatus.NFS4ERR_NAMETOOLONG);
        }
        if (name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new NfsException(NfsStatus.NFS4ERR_BADNAME, "bad name: " + name);
        }
        if (name.indexOf('\uFFFD') >= 0) {
            throw new NfsException(NfsStatus.NFS4ERR_BADCHAR, "name is not valid UTF-8");
        }
    }
}
