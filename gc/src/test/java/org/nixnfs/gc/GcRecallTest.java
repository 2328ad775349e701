package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * Holds GC recalls (NFSv4 read delegations), with a stand-in {@code nix-store}: a held path is a
 * candidate, recalled before the run deletes anything and deleted once released; one still held
 * after its recall is live, so the run deletes nothing; a held path GC does not plan to delete
 * is not recalled.
 */
class GcRecallTest {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    final StorePath dead = new StorePath("0".repeat(31) + "1", "dead");
    final StorePath used = new StorePath("0".repeat(31) + "2", "used");

    /** Holds {@code held}; a recall releases them when {@code returns}. Records what was recalled and ended. */
    static final class FakeHolds implements Recallable {
        final Set<String> held = new HashSet<>();
        final List<Set<String>> recalled = new ArrayList<>();
        final List<Set<String>> done = new ArrayList<>();
        boolean returns;

        @Override
        public synchronized Set<String> held() {
            return Set.copyOf(held);
        }

        @Override
        public synchronized void recall(Set<String> hashParts) {
            recalled.add(hashParts);
            if (returns) {
                held.removeAll(hashParts);
            }
        }

        @Override
        public synchronized void recallDone(Set<String> hashParts) {
            done.add(hashParts);
        }
    }

    GcService service(Path dir, FakeHolds holds) throws IOException {
        long old = NOW.getEpochSecond() - 86_400 * 100;
        StoreIndex index = StoreIndex.of(List.of(new ValidPath(dead, old, 10, List.of()),
                new ValidPath(used, old, 10, List.of())));
        Path nix = dir.resolve("nix-store");
        Files.writeString(nix, "#!/bin/sh\necho \"$@\" >> " + dir.resolve("calls") + "\nexit 0\n");
        nix.toFile().setExecutable(true);
        return new GcService(GcPolicy.defaults(), new NixStoreCommand(dir, nix.toString()),
                new GcService.Facts(() -> index, () -> Map.of(used.hashPart(), NOW.toEpochMilli()), Set::of, holds),
                new PinStore(dir), Clock.fixed(NOW, ZoneOffset.UTC), hashes -> { });
    }

    @Test
    void aHeldPathIsRecalledThenDeleted(@TempDir Path dir) throws Exception {
        FakeHolds holds = new FakeHolds();
        holds.held.addAll(Set.of(dead.hashPart(), used.hashPart()));
        holds.returns = true;
        GcRunResult r = service(dir, holds).collect();
        assertEquals(List.of(Set.of(dead.hashPart())), holds.recalled, "only what the run would delete");
        assertEquals(holds.recalled, holds.done, "and the recall is ended");
        assertEquals(List.of(dead), r.deleted().stream().map(GcPlan.DeadPath::path).toList());
    }

    @Test
    void aPathStillHeldAfterItsRecallIsKept(@TempDir Path dir) throws Exception {
        FakeHolds holds = new FakeHolds();
        holds.held.add(dead.hashPart());
        GcRunResult r = service(dir, holds).collect();
        assertEquals(List.of(Set.of(dead.hashPart())), holds.recalled);
        assertEquals(holds.recalled, holds.done);
        assertTrue(r.deleted().isEmpty(), "held means live");
        assertFalse(Files.exists(dir.resolve("calls")) && Files.readString(dir.resolve("calls")).contains("--delete"));
    }

    @Test
    void nothingHeldNothingRecalled(@TempDir Path dir) throws Exception {
        FakeHolds holds = new FakeHolds();
        GcRunResult r = service(dir, holds).collect();
        assertTrue(holds.recalled.isEmpty());
        assertEquals(List.of(dead), r.deleted().stream().map(GcPlan.DeadPath::path).toList());
    }
}
