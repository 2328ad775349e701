package org.nixnfs.server.vfs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.StorePath;

/**
 * Encodes and parses file handles. A handle names its file by content, never by server memory:
 *
 * <pre>
 *   magic 'N' 'X' | version | kind | export tag (4) | kind-specific
 *     PSEUDO:       depth (1)
 *     EXPORT_ROOT:  -
 *     STORE_OBJECT: store path hash part (32 ASCII) | object id (16): zeros for the store path itself,
 *                   else SHA-256(hash "/" relPath)[0..16)
 * </pre>
 *
 * so the same file gets the same handle after a restart and on any replica exporting the same
 * store, and a forged or corrupted handle either fails to parse (BADHANDLE) or names nothing
 * (STALE). The export tag keeps handles of one export path from resolving under another.
 */
public final class FileHandles {
    private static final byte MAGIC0 = 'N';
    private static final byte MAGIC1 = 'X';
    private static final byte VERSION = 1;
    static final int HEADER = 8;
    public static final int OBJECT_ID_LENGTH = 16;
    private static final int STORE_OBJECT_LENGTH = HEADER + StorePath.HASH_LENGTH + OBJECT_ID_LENGTH;

    private final int exportTag;

    public FileHandles(String exportPath) {
        this.exportTag = Arrays.hashCode(sha256(exportPath));
    }

    /** What a handle names, once parsed. */
    public sealed interface Target permits Pseudo, ExportRoot, StoreObject {
    }

    public record Pseudo(int depth) implements Target {
    }

    public record ExportRoot() implements Target {
    }

    public record StoreObject(String hashPart, byte[] objectId) implements Target {
    }

    public FileHandle pseudo(int depth) {
        return new FileHandle(header(Node.Kind.PSEUDO, 1).put((byte) depth).array());
    }

    public FileHandle exportRoot() {
        return new FileHandle(header(Node.Kind.EXPORT_ROOT, 0).array());
    }

    public FileHandle storeObject(String hashPart, String relPath) {
        return storeObject(hashPart, objectId(hashPart, relPath));
    }

    public FileHandle storeObject(String hashPart, byte[] objectId) {
        ByteBuffer b = header(Node.Kind.STORE_OBJECT, StorePath.HASH_LENGTH + OBJECT_ID_LENGTH);
        b.put(hashPart.getBytes(StandardCharsets.US_ASCII));
        b.put(objectId);
        return new FileHandle(b.array());
    }

    /** The id of a store path's own top directory or file: no digest needed on the hottest lookups. */
    private static final byte[] ROOT_OBJECT_ID = new byte[OBJECT_ID_LENGTH];

    /** The stable 16-byte id of {@code relPath} inside the store path {@code hashPart}. */
    public static byte[] objectId(String hashPart, String relPath) {
        return relPath.isEmpty() ? ROOT_OBJECT_ID.clone()
                : Arrays.copyOf(sha256(hashPart + "/" + relPath), OBJECT_ID_LENGTH);
    }

    public static boolean isRoot(byte[] objectId) {
        return Arrays.equals(objectId, ROOT_OBJECT_ID);
    }

    /**
     * A stable, well-spread 64-bit file id for a store object, kept clear of the small pseudo ids:
     * from the object id, or for a store path itself from its hash part, which is random already.
     */
    public static long fileId(String hashPart, byte[] objectId) {
        long bits;
        if (isRoot(objectId)) {
            bits = 0;
            for (int i = 0; i < 12; i++) {
                bits = (bits << 5) | StorePath.BASE32_ALPHABET.indexOf(hashPart.charAt(i));
            }
            bits = (bits << 2) | 1; // never equal to a digest-based id of the same bits by chance
        } else {
            bits = ByteBuffer.wrap(objectId).getLong();
        }
        return (bits & 0x3fffffffffffffffL) | 0x4000000000000000L;
    }

    public Target parse(byte[] fh) throws NfsException {
        if (fh.length < HEADER || fh[0] != MAGIC0 || fh[1] != MAGIC1 || fh[2] != VERSION) {
            throw new NfsException(NfsStatus.NFS4ERR_BADHANDLE, "not a nixnfs file handle");
        }
        ByteBuffer b = ByteBuffer.wrap(fh);
        b.position(4);
        if (b.getInt() != exportTag) {
            throw new NfsException(NfsStatus.NFS4ERR_STALE, "file handle of another export");
        }
        int kind = fh[3];
        if (kind == Node.Kind.PSEUDO.ordinal() && fh.length == HEADER + 1) {
            return new Pseudo(fh[HEADER]);
        }
        if (kind == Node.Kind.EXPORT_ROOT.ordinal() && fh.length == HEADER) {
            return new ExportRoot();
        }
        if (kind == Node.Kind.STORE_OBJECT.ordinal() && fh.length == STORE_OBJECT_LENGTH) {
            String hash = new String(fh, HEADER, StorePath.HASH_LENGTH, StandardCharsets.US_ASCII);
            if (StorePath.isHashPart(hash)) {
                return new StoreObject(hash, Arrays.copyOfRange(fh, HEADER + StorePath.HASH_LENGTH, fh.length));
            }
        }
        throw new NfsException(NfsStatus.NFS4ERR_BADHANDLE, "malformed nixnfs file handle");
    }

    private ByteBuffer header(Node.Kind kind, int bodyLength) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + bodyLength);
        b.put(MAGIC0).put(MAGIC1).put(VERSION).put((byte) kind.ordinal()).putInt(exportTag);
        return b;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }
}
