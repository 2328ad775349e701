package org.nixnfs.gc;

import java.net.URI;
import java.nio.file.Path;

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

    /** The directory of a {@code file://} tier, else null. */
    public Path directory() {
        return "file".equalsIgnoreCase(url.getScheme()) ? Path.of(URI.create(url.toString().replaceFirst("\\?.*$", "")))
                : null;
    }
}
