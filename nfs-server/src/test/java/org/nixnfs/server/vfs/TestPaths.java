package org.nixnfs.server.vfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/** Store paths on disk for the vfs unit tests: a temporary store directory, no Nix needed. */
final class TestPaths {
    private TestPaths() {
    }

    /** A store path whose hash part is {@code c} repeated (any character of Nix's base-32 alphabet). */
    static StorePath storePath(char c, String name) {
        return new StorePath(String.valueOf(c).repeat(StorePath.HASH_LENGTH), name);
    }

    static ValidPath valid(StorePath p, long registrationTime) {
        return new ValidPath(p, registrationTime, 0, List.of());
    }

    /** {@code <p>/bin/tool} ("tool"), {@code <p>/lib/libx.so.1} ("libx"), {@code <p>/lib/libx.so -> libx.so.1}. */
    static Path writeTool(Path storeDir, StorePath p) throws IOException {
        Path root = storeDir.resolve(p.baseName());
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("lib"));
        Files.writeString(root.resolve("bin/tool"), "tool");
        Files.writeString(root.resolve("lib/libx.so.1"), "libx");
        Files.createSymbolicLink(root.resolve("lib/libx.so"), Path.of("libx.so.1"));
        return root;
    }
}
