package org.nixnfs.server.vfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Reads a file's attributes from disk without following symlinks ({@code lstat}). */
final class DiskAttributes {
    private static final int S_IFMT = 0170000;
    private static final long BLOCK = 4096;

    private DiskAttributes() {
    }

    static Attributes read(Path path, long fileId) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:mode,nlink,uid,gid,size,lastAccessTime,"
                + "lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        long size = (Long) a.get("size");
        long ctime = nanos((FileTime) a.get("ctime"));
        return new Attributes(type(mode), mode & 07777, (Integer) a.get("nlink"), (Integer) a.get("uid"),
                (Integer) a.get("gid"), size, (size + BLOCK - 1) / BLOCK * BLOCK, fileId,
                nanos((FileTime) a.get("lastAccessTime")), nanos((FileTime) a.get("lastModifiedTime")), ctime,
                ctime);
    }

    private static FileType type(int mode) {
        return switch (mode & S_IFMT) {
            case 0040000 -> FileType.DIRECTORY;
            case 0120000 -> FileType.SYMLINK;
            case 0100000 -> FileType.REGULAR;
            case 0060000 -> FileType.BLOCK;
            case 0020000 -> FileType.CHARACTER;
            case 0140000 -> FileType.SOCKET;
            default -> FileType.FIFO;
        };
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }
}
