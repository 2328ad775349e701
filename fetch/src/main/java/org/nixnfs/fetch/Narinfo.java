package org.nixnfs.fetch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nixnfs.store.StorePath;

/**
 * The three fields of a binary cache's {@code <hash>.narinfo} that the fetch decision needs:
 * which store path it describes, its NAR size, and its references. Everything else (URL,
 * hashes, signatures) is Nix's business when it fetches.
 */
public record Narinfo(StorePath storePath, long narSize, List<StorePath> references) {
    /** Longer than any real narinfo (a few hundred bytes; a path with thousands of references a few hundred KiB). */
    public static final int MAX_BYTES = 1 << 20;

    /** Parses narinfo text; empty if it lacks a well-formed StorePath or NarSize. */
    public static Optional<Narinfo> parse(String text) {
        StorePath path = null;
        long narSize = -1;
        List<StorePath> refs = new ArrayList<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 2).strip();
            switch (key) {
                case "StorePath" -> path = StorePath.parseAbsolute(StorePath.STORE_DIR, value).orElse(null);
                case "NarSize" -> {
                    try {
                        narSize = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                }
                case "References" -> {
                    for (String r : value.split(" ")) {
                        if (!r.isEmpty()) {
                            Optional<StorePath> p = StorePath.parseBaseName(r);
                            if (p.isEmpty()) {
                                return Optional.empty();
                            }
                            refs.add(p.get());
                        }
                    }
                }
                default -> {
                }
            }
        }
        return path == null || narSize < 0 ? Optional.empty() : Optional.of(new Narinfo(path, narSize, List.copyOf(refs)));
    }
}
