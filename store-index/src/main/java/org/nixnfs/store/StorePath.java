package org.nixnfs.store;

import java.util.Objects;
import java.util.Optional;

/**
 * The base name of a Nix store path, {@code <hash>-<name>}: a 32-character hash part in Nix's
 * base-32 alphabet, a dash, and a name. Parsing is strict, because anything that is not a
 * well-formed store path name can never be a valid store path and must stay invisible.
 *
 * <p>The full path is under {@link #STORE_DIR}, the store directory Nix writes into its database
 * and into every reference. That is Nix's, not the export path clients mount (an option of the
 * server that is {@code /nix/store} too unless changed); a chroot store under another root keeps
 * {@code /nix/store} in its database all the same.
 */
public record StorePath(String hashPart, String name) implements Comparable<StorePath> {
    /** The store directory of every path in the Nix database, and of every path GC and the CLI print. */
    public static final String STORE_DIR = "/nix/store";
    public static final int HASH_LENGTH = 32;
    /** Nix's base-32 alphabet (no e, o, u, t). */
    public static final String BASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";
    private static final int MAX_NAME_LENGTH = 211;

    public StorePath {
        if (!isHashPart(hashPart)) {
            throw new IllegalArgumentException("not a Nix store hash: " + hashPart);
        }
        if (!isName(name)) {
            throw new IllegalArgumentException("not a Nix store path name: " + name);
        }
    }

    /** Parses {@code <hash>-<name>} (a base name, no directory); empty if it is not one. */
    public static Optional<StorePath> parseBaseName(String baseName) {
        if (baseName == null || baseName.length() < HASH_LENGTH + 2 || baseName.charAt(HASH_LENGTH) != '-') {
            return Optional.empty();
        }
        String hash = baseName.substring(0, HASH_LENGTH);
        String name = baseName.substring(HASH_LENGTH + 1);
        return isHashPart(hash) && isName(name) ? Optional.of(new StorePath(hash, name)) : Optional.empty();
    }

    /**
     * Parses what an operator may give for a store path: its base name or its full path
     * ({@code /nix/store/<hash>-<name>}, also without the leading slash, as it comes after a URL
     * prefix); empty if it is neither.
     */
    public static Optional<StorePath> parse(String baseNameOrFullPath) {
        return baseNameOrFullPath == null ? Optional.empty() : parseBaseName(stripStoreDir(baseNameOrFullPath));
    }

    /** {@code path} without a leading {@code /nix/store/} (or {@code nix/store/}); unchanged if it has none. */
    public static String stripStoreDir(String path) {
        String relative = path.startsWith("/") ? path.substring(1) : path;
        String prefix = STORE_DIR.substring(1) + "/";
        return relative.startsWith(prefix) ? relative.substring(prefix.length()) : path;
    }

    /** Parses an absolute path {@code <storeDir>/<hash>-<name>} as found in the Nix database. */
    public static Optional<StorePath> parseAbsolute(String storeDir, String absolutePath) {
        String prefix = storeDir.endsWith("/") ? storeDir : storeDir + "/";
        if (absolutePath == null || !absolutePath.startsWith(prefix)) {
            return Optional.empty();
        }
        return parseBaseName(absolutePath.substring(prefix.length()));
    }

    public String baseName() {
        return hashPart + "-" + name;
    }

    /** {@code /nix/store/<hash>-<name>}. */
    public String fullPath() {
        return STORE_DIR + "/" + baseName();
    }

    public static boolean isHashPart(String s) {
        if (s == null || s.length() != HASH_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || (CHAR_CLASS[c] & BASE32) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Nix allows letters, digits and {@code +-._?=} in names, not starting with a dot. */
    private static boolean isName(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_NAME_LENGTH || s.charAt(0) == '.') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || (CHAR_CLASS[c] & NAME) == 0) {
                return false;
            }
        }
        return true;
    }

    // Character classes as a table: loading 100,000 paths checks millions of characters, and a
    // table lookup is cheaper than searching the alphabet string for each (noticeably so before
    // the JIT has compiled the loop, i.e. on the server's first load).
    private static final byte BASE32 = 1;
    private static final byte NAME = 2;
    private static final byte[] CHAR_CLASS = new byte[128];

    static {
        for (char c : BASE32_ALPHABET.toCharArray()) {
            CHAR_CLASS[c] |= BASE32;
        }
        for (char c = 0; c < 128; c++) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "+-._?=".indexOf(c) >= 0) {
                CHAR_CLASS[c] |= NAME;
            }
        }
    }

    @Override
    public int compareTo(StorePath o) {
        return baseName().compareTo(o.baseName());
    }

    @Override
    public String toString() {
        return baseName();
    }

    public boolean equals(Object o) {
        return o instanceof StorePath p && p.hashPart.equals(hashPart) && p.name.equals(name);
    }

    public int hashCode() {
        return Objects.hash(hashPart, name);
    }
}
