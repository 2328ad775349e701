package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Watermark collection against a real Nix store, with a disk the test describes: its size is
 * fixed and its free space is what was free at the start plus what Nix has deleted since (read
 * from Nix's database). Above the low watermark nothing happens; below it a run starts, deletes
 * least recently used paths first, and stops as soon as the high watermark is reached.
 */
class GcWatermarkTest {
    static final long DISK = 400_000; // small, so that the store's few paths matter

    @Test
    void belowTheLowWatermarkARunFreesUpToTheHighOneLeastRecentlyUsedFirst(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        // Five dead paths of 20-60 KB, last used one after the other in the days after they
        // were registered: dead-0 longest ago. The service's clock is 30 days on.
        List<StorePath> byAge = new ArrayList<>();
        Map<String, Long> lastUse = new ConcurrentHashMap<>();
        for (int i = 0; i < 5; i++) {
            byAge.add(nix.addText("dead-" + i, "x".repeat(20_000 + 10_000 * i)));
        }
        long day = Duration.ofDays(1).toMillis();
        for (int i = 0; i < 5; i++) {
            lastUse.put(byAge.get(i).hashPart(), System.currentTimeMillis() + (i + 1) * day);
        }
        GcPolicy policy = new GcPolicy(Duration.ofDays(1), Duration.ofHours(1), 10, 20, 1);
        GcService gc = new GcService(policy, new NixStoreCommand(nix.storeRoot(), "nix-store"),
                new GcService.Facts(() -> load(nix), () -> Map.copyOf(lastUse), Set::of),
                new PinStore(Files.createDirectories(dir.resolve("state"))),
                Clock.offset(Clock.systemUTC(), Duration.ofDays(30)), hashes -> { });
        long storeBytes = narBytes(nix);

        // 10% free is not below the low watermark: nothing runs.
        Disk disk = new Disk(nix, DISK / 10, storeBytes);
        assertEquals(Optional.empty(), gc.collectIfLowOnSpace(DISK, disk.free()));
        assertEquals(storeBytes, narBytes(nix), "nothing was deleted");

        // Just enough below it that reaching 20% takes the two oldest paths and part of the third.
        long oldestTwo = narSize(nix, byAge.get(0)) + narSize(nix, byAge.get(1));
        long needed = oldestTwo + narSize(nix, byAge.get(2)) / 2;
        disk = new Disk(nix, DISK / 5 - needed, storeBytes);
        assertTrue(disk.free() < DISK / 10, "the disk is below the low watermark: " + disk.free());
        GcRunResult r = gc.collectIfLowOnSpace(DISK, disk.free()).orElseThrow(() -> new AssertionError("no run started"));

        assertEquals(byAge.subList(0, 3), r.deleted().stream().map(GcPlan.DeadPath::path).toList(),
                "least recently used first, until enough is free");
        assertTrue(disk.free() >= DISK / 5, "the high watermark is reached: " + disk.free());
        assertTrue(disk.free() - narSize(r.deleted().get(2)) < DISK / 5, "and the run stopped there");
        assertTrue(nix.isValid(byAge.get(3)) && nix.isValid(byAge.get(4)), "the more recently used paths stay");

        // Above the low watermark again: the next check runs nothing.
        assertEquals(Optional.empty(), gc.collectIfLowOnSpace(DISK, disk.free()));
        assertTrue(nix.isValid(byAge.get(3)) && nix.isValid(byAge.get(4)));
    }

    /** Free space on a disk that holds the store: what was free plus what Nix has deleted since. */
    private record Disk(NixStoreFixture nix, long freeAtStart, long storeBytesAtStart) {
        long free() throws Exception {
            return freeAtStart + storeBytesAtStart - narBytes(nix);
        }
    }

    private static long narSize(GcPlan.DeadPath d) {
        return d.narSize();
    }

    private static long narSize(NixStoreFixture nix, StorePath p) throws Exception {
        return load(nix).get(p).orElseThrow().narSize();
    }

    /** The store's total NAR size, as Nix's database records it. */
    private static long narBytes(NixStoreFixture nix) throws Exception {
        return load(nix).paths().stream().mapToLong(v -> v.narSize()).sum();
    }

    private static StoreIndex load(NixStoreFixture nix) {
        try {
            return NixDatabase.open(nix.storeRoot()).load();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
