package org.nixnfs.gc;

import java.nio.file.Path;
import java.time.Instant;
import org.nixnfs.store.StorePath;

/**
 * A Nix GC root, as {@code nix-store --gc --print-roots} reports it.
 *
 * @param link          the root (a symlink, or a pseudo-root such as {@code /proc/...} for a running process)
 * @param target        the store path it keeps alive
 * @param rulesNixpkgs  whether it is one of rules_nixpkgs' roots ({@code .../rules_nixpkgs_gcroots/<name>}),
 *                      which nobody ever removes: nixnfs governs those by usage
 * @param linkModified  when the link was last (re)created: a fresh re-root counts as a use
 */
public record GcRoot(Path link, StorePath target, boolean rulesNixpkgs, Instant linkModified) {
    public static final String RULES_NIXPKGS_DIR = "rules_nixpkgs_gcroots";

    public static boolean isRulesNixpkgsLink(Path link) {
        Path parent = link.getParent();
        return parent != null && parent.getFileName() != null
                && parent.getFileName().toString().equals(RULES_NIXPKGS_DIR);
    }
}
