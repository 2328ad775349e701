package org.nixnfs.gc;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A binary cache GC copies dead paths to before deleting them ({@code nix copy --to}), so that
 * fault-in can fetch them back: {@code file:///var/lib/nixnfs/cold} by default, or any store URL
 * the server's Nix can write.
 *
 * @param url        the cache
 * @param signingKey the secret key Nix signs the copies with (a file from {@code nix-store --generate-binary-cache-key}); null: unsigned
 * @param keepBytes  a {@code file://} tier is pruned to this many bytes, oldest copies first; 0: unbounded
 */
public record ColdTier(URI url, Path signingKey, long keepBytes) {
    public static final URI DEFAULT_URL = URI.create("file:///var/lib/nixnfs/cold");

    /** The URL {@code nix copy --to} writes with: signed, and compressed with zstd (xz is slow on large paths) unless the URL says otherwise. */
    public String copyUrl() {
        String u = url.toString();
        StringBuilder sb = new StringBuilder(u);
        char sep = u.contains("?") ? '&' : '?';
        if (signingKey != null && !u.contains("secret-key=")) {
            sb.append(sep).append("secret-key=").append(signingKey.toAbsolutePath());
            sep = '&';
        }
        if (!u.contains("compression=")) {
            sb.append(sep).append("compression=zstd");
        }
        return sb.toString();
    }

    /**
     * Makes a {@code file://} tier a binary cache before anything is copied to it: its directory and
     * its {@code nix-cache-info}, as {@code nix copy --to} would write them. Until then fault-in,
     * which reads it as a cache, would find no cache there. An existing {@code nix-cache-info} is
     * left as it is; other schemes are Nix's to set up.
     *
     * @param storeDir the store directory the tier's paths belong to ({@code /nix/store})
     */
    public void prepare(String storeDir) throws IOException {
        Path dir = directory();
        if (dir == null) {
            return;
        }
        Files.createDirectories(dir);
        Path info = dir.resolve("nix-cache-info");
        if (Files.exists(info)) {
            return;
        }
        // Written aside and renamed: a reader (or a concurrent nix copy) never sees half of it.
        // (Not createTempFile: its 0600 would hide the file from a web server serving the tier.)
        Path tmp = dir.resolve(".nix-cache-info." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(tmp, "StoreDir: " + storeDir + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, info, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The directory of a {@code file://} tier, else null. */
    public Path directory() {
        return "file".equalsIgnoreCase(url.getScheme()) ? Path.of(URI.create(url.toString().replaceFirst("\\?.*$", "")))
                : null;
    }
}
