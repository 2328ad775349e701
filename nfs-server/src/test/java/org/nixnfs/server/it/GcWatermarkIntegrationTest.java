package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * The server's own watermark collection on a real, small disk: a 16 MiB tmpfs holding a Nix
 * store filled with dead paths until less than the low watermark (10%) is free. The server's
 * periodic check notices, collects through Nix, and stops once the high watermark (20%) is free
 * again: it deletes what was missing to 20% (statvfs, read by the test) and no path more, and
 * dead paths remain. Needs root, for {@code mount -t tmpfs}.
 */
@Tag("slow")
class GcWatermarkIntegrationTest {
    static final String DISK_SIZE = "16m";
    static final long SLACK = 256 * 1024;

    @Test
    void lowFreeSpaceStartsARunThatStopsAtTheHighWatermark(@TempDir Path dir) throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        mount(disk);
        try {
            NixStoreFixture nix = NixStoreFixture.create(disk);
            FileStore fs = Files.getFileStore(nix.storeDirectory());
            // Dead paths of 1 MiB of random bytes (added from outside the small disk) until less than 10% is free.
            Path sources = Files.createDirectories(dir.resolve("sources"));
            Random random = new Random(42);
            List<StorePath> dead = new ArrayList<>();
            while (freePercent(fs) >= 8) {
                byte[] data = new byte[1 << 20];
                random.nextBytes(data);
                dead.add(nix.add(Files.write(sources.resolve("dead-" + dead.size()), data)));
            }
            System.out.printf("filled the disk with %d dead paths: %.1f%% free%n", dead.size(), freePercent(fs));
            // What is missing to the high watermark. The server sees a few pages more in use
            // (opening Nix's database adds its -shm file): SLACK, far less than one path.
            long needed = fs.getTotalSpace() / 5 - fs.getUsableSpace();

            GcPolicy policy = GcPolicy.defaults().withGrace(Duration.ZERO).withWatermarks(10, 20);
            NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                    Files.createDirectories(dir.resolve("state"))).gc(policy, Duration.ofSeconds(2)).build();
            try (NixnfsServer server = NixnfsServer.start(config)) {
                GcRunResult r = awaitRun(server);
                System.out.printf("the server's run deleted %d paths (%s); %.1f%% free now%n", r.deleted().size(),
                        GcRunResult.humanBytes(r.bytesFreed()), freePercent(fs));
                assertEquals(List.of(), r.failures());
                // (More is free than the run deleted: nix-store --delete also drops Nix's 8 MiB
                // db/reserved file, kept for a GC on a full disk, until the next Nix command.)
                assertTrue(freePercent(fs) >= 20, "the high watermark is reached: " + freePercent(fs) + "% free");
                long freed = r.deleted().stream().mapToLong(GcPlan.DeadPath::narSize).sum();
                long last = r.deleted().get(r.deleted().size() - 1).narSize();
                assertTrue(freed >= needed && freed - last < needed + SLACK, "the run deleted what was missing to 20% ("
                        + needed + " bytes) and stopped: " + freed + " bytes in " + r.deleted().size() + " paths");
                for (GcPlan.DeadPath d : r.deleted()) {
                    assertFalse(nix.isValid(d.path()), d.path() + " is gone from Nix");
                }
                assertTrue(r.deleted().size() < dead.size(), "the run stopped at the high watermark, with "
                        + (dead.size() - r.deleted().size()) + " dead paths left");
                long left = dead.stream().filter(p -> isValid(nix, p)).count();
                assertEquals(dead.size() - r.deleted().size(), left);
            }
        } finally {
            umount(disk);
        }
    }

    private static GcRunResult awaitRun(NixnfsServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (server.gc().lastRun().isEmpty()) {
            if (server.gc().lastFailure().isPresent()) {
                throw new AssertionError("the watermark run failed", server.gc().lastFailure().get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no watermark run within 5 minutes");
            }
            Thread.sleep(50);
        }
        return server.gc().lastRun().get();
    }

    private static boolean isValid(NixStoreFixture nix, StorePath p) {
        try {
            return nix.isValid(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double freePercent(FileStore fs) throws IOException {
        return 100.0 * fs.getUsableSpace() / fs.getTotalSpace();
    }

    private static void mount(Path at) throws Exception {
        run("mount", "-t", "tmpfs", "-o", "size=" + DISK_SIZE, "nixnfs-test", at.toString());
    }

    private static void umount(Path at) throws Exception {
        run("umount", at.toString());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (it needs root: CAP_SYS_ADMIN): " + out);
        }
    }
}
