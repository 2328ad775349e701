package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * The re-check before each batch, against a real Nix store: three dead paths, one deleted per
 * batch; between the first and the second batch one of the other two comes back to life. That
 * path must not be deleted, and the run must stop there (the third path stays too: the next run
 * plans anew).
 */
class GcRecheckTest {
    /** What happens to a planned path while the run is going on. */
    enum Event {
        USED, RE_REGISTERED, PINNED, OPENED
    }

    @ParameterizedTest
    @EnumSource(Event.class)
    void aPathThatComesBackToLifeDuringARunIsKeptAndTheRunStops(Event event, @TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        Map<StorePath, String> contents = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            String content = "dead path " + i + "\n";
            contents.put(nix.addText("dead-" + i, content), content);
        }
        Map<String, Long> lastUse = new ConcurrentHashMap<>();
        Set<String> open = ConcurrentHashMap.newKeySet();
        PinStore pins = new PinStore(Files.createDirectories(dir.resolve("state")));
        List<String> forgotten = new ArrayList<>();
        BatchPause pause = new BatchPause(dir);
        // A day on, with no keep-unused period: every path is dead. One path per batch.
        GcPolicy policy = new GcPolicy(Duration.ZERO, Duration.ofHours(1), 10, 20, 1);
        GcService gc = new GcService(policy, new NixStoreCommand(nix.storeRoot(), pause.nixStore),
                new GcService.Facts(() -> load(nix), () -> Map.copyOf(lastUse), () -> Set.copyOf(open)), pins,
                Clock.offset(Clock.systemUTC(), Duration.ofDays(1)), forgotten::addAll);

        CompletableFuture<GcRunResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return gc.collect();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        StorePath revived;
        StorePath bystander;
        try {
            List<StorePath> first = pause.awaitFirstBatch(run);
            assertEquals(1, first.size(), "one path per batch: " + first);
            List<StorePath> rest = new ArrayList<>(contents.keySet());
            assertTrue(rest.remove(first.get(0)), first + " is one of the test's paths");
            revived = rest.get(0);
            bystander = rest.get(1);
            switch (event) {
                case USED -> lastUse.put(revived.hashPart(), System.currentTimeMillis());
                case PINNED -> pins.pin(revived);
                case OPENED -> open.add(revived.hashPart());
                case RE_REGISTERED -> reRegister(nix, revived, contents.get(revived));
            }
        } finally {
            pause.release();
        }
        GcRunResult r = run.get(5, TimeUnit.MINUTES);

        assertTrue(r.stoppedEarly(), "the run stopped");
        assertEquals(1, r.deleted().size(), "only the first batch was deleted: " + r.deleted());
        assertFalse(nix.isValid(r.deleted().get(0).path()), "Nix no longer has the deleted path");
        assertTrue(nix.isValid(revived) && Files.exists(nix.realPath(revived)), revived + " (" + event + ") is kept");
        assertTrue(nix.isValid(bystander) && Files.exists(nix.realPath(bystander)), "the run stopped before " + bystander);
        assertEquals(List.of(r.deleted().get(0).path().hashPart()), forgotten, "only the deleted path's usage is forgotten");
        nix.nix(null, "nix-store", "--verify", "--check-contents");
    }

    private static StoreIndex load(NixStoreFixture nix) {
        try {
            return NixDatabase.open(nix.storeRoot()).load();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /**
     * Deletes the path and adds the same content again at once, as a re-push would: the same
     * store path, registered anew, most likely within the same second (which Nix's registration
     * time cannot tell apart; the registration's row id does).
     */
    private static void reRegister(NixStoreFixture nix, StorePath p, String content) throws Exception {
        ValidPath.Registration before = registration(nix, p);
        nix.delete(p);
        assertEquals(p, nix.addText(p.name(), content), "the same content is the same store path");
        ValidPath.Registration after = registration(nix, p);
        assertNotEquals(before, after, "registered anew");
        System.out.printf("re-registered %s: registration time %d -> %d%n", p, before.time(), after.time());
    }

    private static ValidPath.Registration registration(NixStoreFixture nix, StorePath p) throws Exception {
        return NixDatabase.open(nix.storeRoot()).load().get(p).map(ValidPath::registration).orElseThrow();
    }
}
