package org.nixnfs.server.vfs;

import java.util.Arrays;
import java.util.HexFormat;

/** An opaque NFSv4 file handle (at most 128 bytes); equality is by content. */
public final class FileHandle {
    public static final int MAX_SIZE = 128;
    private final byte[] bytes;
    private final int hash;

    public FileHandle(byte[] bytes) {
        if (bytes.length > MAX_SIZE) {
            throw new IllegalArgumentException("file handle longer than " + MAX_SIZE + " bytes");
        }
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** The handle's bytes; callers must not modify them. */
    public byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileHandle h && h.hash == hash && Arrays.equals(h.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
