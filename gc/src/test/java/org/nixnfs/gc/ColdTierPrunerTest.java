package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning a file:// cold tier: oldest copies first, never a narinfo without its NAR, a shared NAR
 * kept while a narinfo names it, and a path's referrers in the tier go with it.
 */
class ColdTierPrunerTest {
    private static final String A = "a".repeat(32);
    private static final String B = "b".repeat(32);
    private static final String C = "c".repeat(32);
    private static final String D = "d".repeat(32);

    @TempDir
    Path dir;

    private void entry(String hash, String name, String nar, int size, long ageDays, String... refs) throws IOException {
        Files.createDirectories(dir.resolve("nar"));
        if (!nar.contains("..")) {
            Files.write(dir.resolve("nar/" + nar), new byte[size]);
        }
        StringBuilder r = new StringBuilder();
        for (String ref : refs) {
            r.append(ref).append(' ');
        }
        Path ni = dir.resolve(hash + ".narinfo");
        Files.writeString(ni, "StorePath: /nix/store/" + hash + "-" + name + "\nURL: nar/" + nar + "\nCompression: zstd\n"
                + "FileSize: " + size + "\nNarSize: " + size + "\nReferences: " + r.toString().strip() + "\n");
        Files.setLastModifiedTime(ni, FileTime.from(Instant.now().minusSeconds(ageDays * 86_400)));
    }

    @Test
    void theOldestGoFirstWithTheirReferrersAndSharedNarsStay() throws IOException {
        entry(A, "lib", "a.nar.zst", 1000, 10);                     // oldest
        entry(B, "app", "b.nar.zst", 1000, 1, A + "-lib");          // refers to A: cannot come back without it
        entry(C, "tool", "c.nar.zst", 1000, 5);
        entry(D, "tool-copy", "c.nar.zst", 1000, 2);                // same contents as C: shares its NAR
        assertEquals(0, ColdTierPruner.prune(dir, 1_000_000), "within the limit: nothing goes");

        int gone = ColdTierPruner.prune(dir, 2500);
        assertEquals(2, gone, "A (the oldest) and B, which refers to it");
        assertFalse(Files.exists(dir.resolve(A + ".narinfo")));
        assertFalse(Files.exists(dir.resolve(B + ".narinfo")));
        assertFalse(Files.exists(dir.resolve("nar/a.nar.zst")));
        assertFalse(Files.exists(dir.resolve("nar/b.nar.zst")));
        assertTrue(Files.exists(dir.resolve(C + ".narinfo")));

        assertEquals(1, ColdTierPruner.prune(dir, 1200), "C next");
        assertTrue(Files.exists(dir.resolve("nar/c.nar.zst")), "D's narinfo still names the shared NAR");
        assertTrue(Files.exists(dir.resolve(D + ".narinfo")));
    }

    @Test
    void aNarinfoNamingAPathOutsideTheTierIsNotFollowed() throws IOException {
        Files.writeString(dir.resolve("canary"), "not part of any NAR");
        entry(A, "lib", "../canary", 10, 10);
        ColdTierPruner.prune(dir, 1);
        assertFalse(Files.exists(dir.resolve(A + ".narinfo")));
        assertTrue(Files.exists(dir.resolve("canary")), "only files under nar/ named plainly are deleted");
    }
}
