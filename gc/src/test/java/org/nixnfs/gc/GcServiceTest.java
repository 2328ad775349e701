package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * GC against a broken or failing Nix (stand-in {@code nix-store} scripts): clear errors, and
 * nothing half done, since nothing is deleted before Nix has answered for the roots.
 */
class GcServiceTest {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    final StorePath dead = new StorePath("0".repeat(31) + "1", "dead");
    final List<String> forgotten = new ArrayList<>();

    GcService service(Path root, String nixStore, Path state) throws IOException {
        StoreIndex index = StoreIndex.of(List.of(new ValidPath(dead, NOW.getEpochSecond() - 86_400 * 100, 10, List.of())));
        return new GcService(GcPolicy.defaults(), new NixStoreCommand(root, nixStore),
                new GcService.Facts(() -> index, Map::of, Set::of), new PinStore(state),
                Clock.fixed(NOW, ZoneOffset.UTC), forgotten::addAll);
    }

    static String script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p.toString();
    }

    @Test
    void noNixInstalledIsAClearError(@TempDir Path dir) throws Exception {
        GcService gc = service(dir, dir.resolve("no-such-nix-store").toString(), dir);
        IOException e = assertThrows(IOException.class, gc::collect);
        assertTrue(e.getMessage().contains("cannot run") && e.getMessage().contains("is Nix installed"), e.getMessage());
        assertTrue(gc.lastFailure().isPresent());
        assertTrue(forgotten.isEmpty());
    }

    @Test
    void aFailingNixStoreStopsTheRunBeforeAnythingIsDeleted(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("calls");
        String nix = script(dir, "nix-store", "echo \"$@\" >> " + log + "\n"
                + "case \"$*\" in *--print-roots*) echo 'error: cannot open connection to the daemon' >&2; exit 1;; esac\n"
                + "exit 0");
        GcService gc = service(dir, nix, dir);
        IOException e = assertThrows(IOException.class, gc::collect);
        assertTrue(e.getMessage().contains("cannot open connection to the daemon"), e.getMessage());
        assertFalse(Files.readString(log).contains("--delete"), "no deletion was attempted");
    }

    @Test
    void aRefusedDeletionIsReportedAndTheRunGoesOn(@TempDir Path dir) throws Exception {
        String nix = script(dir, "nix-store",
                "case \"$*\" in *--print-roots*) exit 0;; *--delete*) echo \"error: Cannot delete path since it is still alive\" >&2; exit 1;; esac");
        GcService gc = service(dir, nix, dir);
        GcRunResult r = gc.collect();
        assertEquals(0, r.deleted().size());
        assertEquals(1, r.failures().size());
        assertTrue(r.failures().get(0).contains("still alive"), r.failures().toString());
        assertTrue(forgotten.isEmpty(), "usage of paths that were not deleted is kept");
    }

    @Test
    void aSuccessfulRunForgetsTheUsageOfWhatItDeleted(@TempDir Path dir) throws Exception {
        String nix = script(dir, "nix-store", "exit 0");
        GcRunResult r = service(dir, nix, dir).collect();
        assertEquals(List.of(dead), r.deleted().stream().map(GcPlan.DeadPath::path).toList());
        assertEquals(List.of(dead.hashPart()), forgotten);
    }
}
