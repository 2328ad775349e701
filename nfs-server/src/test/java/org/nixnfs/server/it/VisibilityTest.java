package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;
import org.nixnfs.server.testing.Readme;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * The NFS synchronization problem, measured with the real Linux client in one guest boot
 * (nfs-server/src/test/guest/visibility-check.sh): the guest has the store mounted and has
 * already asked for a path; Nix then builds it on the host ({@code nix-store --realise}, the write
 * pattern of a build or a push, issue 11). Each figure is split at the moment the server's index
 * has the path: the <em>server's part</em> runs from the commit that registered it (the
 * database's modification time after nix-store returned) to the index swap; the <em>client's
 * part</em> from the swap to the guest's line saying the path's executable ran.
 *
 * <p>Asserted: the server indexed each path by its first check of the Nix database begun after
 * nix-store returned (checks are counted by {@code nixnfs_index_refreshes_total}; one may have begun
 * before the commit, so at most the second); they come at every notification and at least every
 * 500 ms, which is issue 11's 1 s bound as behaviour (the time itself is printed, not asserted); with
 * README's options over NFSv4.2 and 4.0 the guest runs and lists the path (times printed); with
 * the kernel's defaults (NFSv4.2) the path is still <em>not</em> runnable at the moment README's
 * options already run it (the defaults cache the failed lookup), and runs later (time printed:
 * README quotes it); and a mount without {@code vers=} from busybox, which has no mount.nfs to
 * negotiate, is NFSv4.0.
 *
 * <p>README's options cache negative lookups ({@code lookupcache=all}): the guest's failed lookup
 * stays until its directory attributes expire ({@code acdirmax=1}) and it sees the store
 * directory's change attribute moved, so the client's part is about a second; the test waits for
 * the guest to run the path and prints the lag, it asserts no bound on it. Opt-in, for
 * measurement: environment variable {@code LOOKUPCACHE} (e.g. {@code positive}, what README
 * offers for looking paths up before they are pushed) replaces README's {@code lookupcache=} in
 * the "README's options" mounts; unset, README's options are used as they are.
 * benchmarks/README.md quotes both.
 */
@Tag("vm")
@Tag("slow")
class VisibilityTest {
    private static final int LIMIT_SECONDS = 90;
    private static final String HELLO = "hello-from-a-fresh-path";
    private static final Pattern LOOKUPCACHE_OPTION = Pattern.compile("lookupcache=[a-z]+");

    @Test
    void aPathBuiltWhileTheGuestWaitsForItIsSeen(@TempDir Path dir) throws Exception {
        HostTools.requirePackages("qemu-system-x86", "busybox-static", "kmod", "cpio");
        NixStoreFixture nix = NixStoreFixture.create(dir);
        nix.build(NixStoreFixture.derivation("already-there", "printf x > $out"));
        String drv42 = instantiate(nix, "pushed-for-4-2");
        String drv40 = instantiate(nix, "pushed-for-4-0");
        StorePath out42 = outputOf(nix, drv42);
        StorePath out40 = outputOf(nix, drv40);

        try (NixnfsServer server = ServerHarness.start(nix.storeRoot(), 90, 0)) {
            Map<StorePath, Instant> indexedAt = new ConcurrentHashMap<>();
            Map<StorePath, Double> indexedByCheck = new ConcurrentHashMap<>();
            server.index().addListener(index -> {
                Instant now = Instant.now();
                double check = checks(server); // the watcher's status is published before the swap
                for (StorePath p : List.of(out42, out40)) {
                    if (index.contains(p)) {
                        indexedAt.putIfAbsent(p, now);
                        indexedByCheck.putIfAbsent(p, check);
                    }
                }
            });
            LinkedBlockingQueue<String> waiting = new LinkedBlockingQueue<>();
            Map<String, Instant> lineAt = new ConcurrentHashMap<>();
            HostProcess guest = HostProcess.start("visibility", List.of(
                    KernelClients.runGuest(),
                    "--timeout", "600", HostTools.guestDir().resolve("visibility-check.sh").toString(),
                    "PORT=" + server.address().getPort(), "README_OPTS=" + mountOptions(),
                    "NAME42=" + out42.baseName(), "NAME40=" + out40.baseName(), "EXE=bin/hello",
                    "LIMIT=" + LIMIT_SECONDS), HostTools.repoRoot(), Map.of(), line -> {
                Instant now = Instant.now();
                int at = line.indexOf("visibility: ");
                if (at < 0) {
                    return;
                }
                String what = line.substring(at + "visibility: ".length()).trim();
                if (what.startsWith("waiting ")) {
                    waiting.add(what.substring("waiting ".length()));
                } else {
                    String[] words = what.split(" "); // e.g. "EXEC r42 <output>": keyed "EXEC r42"
                    lineAt.putIfAbsent(words.length > 1 ? words[0] + " " + words[1] : words[0], now);
                }
            });
            try (guest) {
                Built built42 = buildWhenAsked(server, nix, guest, waiting, "42", drv42);
                Built built40 = buildWhenAsked(server, nix, guest, waiting, "40", drv40);
                int rc = guest.await(Duration.ofSeconds(2L * LIMIT_SECONDS + 120));
                assertEquals(0, rc, "guest exit " + rc + ": " + guest.failureReport(rc));
                assertTrue(guest.lines().stream().anyMatch(l -> l.contains("EXEC r42 " + HELLO)), "ran over 4.2");
                assertTrue(guest.lines().stream().anyMatch(l -> l.contains("EXEC r40 " + HELLO)), "ran over 4.0");

                Instant indexed42 = indexedAt.get(out42);
                Instant indexed40 = indexedAt.get(out40);
                assertNotNull(indexed42);
                assertNotNull(indexed40);
                Duration server42 = between(built42.commit(), indexed42);
                Duration server40 = between(built40.commit(), indexed40);
                long checks42 = Math.round(indexedByCheck.get(out42) - built42.checksBefore());
                long checks40 = Math.round(indexedByCheck.get(out40) - built40.checksBefore());
                System.out.printf("visibility with options %s%n", mountOptions());
                System.out.printf("visibility (nix-store --realise while the guest waits): server's part (commit -> index)"
                                + " %d ms, %d ms (found %s, %s); client's part (index -> runs) with the options above: NFSv4.2 %d ms"
                                + " (listed %d ms), NFSv4.0 %d ms (listed %d ms); kernel defaults (NFSv4.2): %d ms%n",
                        server42.toMillis(), server40.toMillis(), foundBy(checks42), foundBy(checks40),
                        ms(indexed42, lineAt.get("EXEC r42")), ms(indexed42, lineAt.get("LISTED r42")),
                        ms(indexed40, lineAt.get("EXEC r40")), ms(indexed40, lineAt.get("LISTED r40")),
                        ms(indexed42, lineAt.get("EXEC d42")));
                assertTrue(checks42 <= 2 && checks40 <= 2, "indexed by the first check begun after the commit:"
                        + " found by check " + checks42 + " and " + checks40 + " after nix-store returned");
                assertTrue(guest.lines().stream().anyMatch(l -> l.contains("DEFAULTS-STALE 42")),
                        "with the kernel's defaults the path must still be unseen when README's options see it");
                assertTrue(guest.lines().stream().anyMatch(l -> l.contains("mount-default NFS 4.0")),
                        "busybox mount -t nfs4 without vers= mounts NFSv4.0");
            }
        }
    }

    /** README's options, with {@code lookupcache=} from the environment variable LOOKUPCACHE if set. */
    private static String mountOptions() throws IOException {
        String readme = Readme.recommendedMountOptions();
        String lookupcache = System.getenv("LOOKUPCACHE");
        if (lookupcache == null || lookupcache.isEmpty()) {
            return readme;
        }
        if (!List.of("all", "positive", "pos", "none").contains(lookupcache)) {
            throw new IllegalArgumentException("LOOKUPCACHE=" + lookupcache + ": expected all, positive, pos or none");
        }
        if (!LOOKUPCACHE_OPTION.matcher(readme).find()) {
            throw new IllegalStateException("README's options have no lookupcache= to replace: " + readme);
        }
        return LOOKUPCACHE_OPTION.matcher(readme).replaceFirst("lookupcache=" + lookupcache);
    }

    /** A path built: the commit's time, and the server's count of database checks just after it. */
    private record Built(Instant commit, double checksBefore) {
    }

    private static String foundBy(long checksAfter) {
        return checksAfter <= 0 ? "before nix-store returned" : "by check " + checksAfter + " after nix-store returned";
    }

    /** The server's successful checks of the Nix database for commits so far. */
    private static double checks(NixnfsServer server) {
        return server.metrics().get("nixnfs.index.refreshes").functionCounter().count();
    }

    /** Waits for the guest to ask for the path, then builds it. */
    private static Built buildWhenAsked(NixnfsServer server, NixStoreFixture nix, HostProcess guest,
                                        LinkedBlockingQueue<String> waiting, String which, String drv) throws Exception {
        String asked = waiting.poll(LIMIT_SECONDS + 300, TimeUnit.SECONDS);
        if (asked == null) {
            int rc = guest.await(Duration.ofSeconds(10));
            throw new AssertionError("the guest never asked for the " + which + " path: " + guest.failureReport(rc));
        }
        assertEquals(which, asked);
        nix.nix(null, "nix-store", "--realise", drv);
        Instant returned = Instant.now();
        double checks = checks(server);
        Instant written = lastWrite(nix);
        return new Built(written.isBefore(returned) ? written : returned, checks);
    }

    /** A derivation whose output is a directory with an executable, instantiated, not built. */
    private static String instantiate(NixStoreFixture nix, String name) throws IOException {
        String script = "/bin/mkdir -p $out/bin; printf '#!/bin/sh\\necho " + HELLO + "\\n' > $out/bin/hello;"
                + " /bin/chmod +x $out/bin/hello";
        return nix.nix(null, "nix-instantiate", "-E", NixStoreFixture.derivation(name, script)).trim();
    }

    private static StorePath outputOf(NixStoreFixture nix, String drv) throws IOException {
        String out = nix.nix(null, "nix-store", "--query", "--outputs", drv).trim();
        return StorePath.parseAbsolute("/nix/store", out).orElseThrow(() -> new AssertionError(out));
    }

    /** The newest modification of the Nix database files: the commit, to file-timestamp precision. */
    private static Instant lastWrite(NixStoreFixture nix) throws IOException {
        Instant db = Files.getLastModifiedTime(nix.databaseFile()).toInstant();
        Path wal = Path.of(nix.databaseFile() + "-wal");
        Instant w = Files.exists(wal) ? Files.getLastModifiedTime(wal).toInstant() : db;
        return w.isAfter(db) ? w : db;
    }

    private static Duration between(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static long ms(Instant from, Instant to) {
        return to == null ? -1 : Duration.between(from, to).toMillis();
    }
}
