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
 * <p>Asserted: the server's part within 1 s (issue 11's bound; the figure is printed); with
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
    private static final Duration SERVER_BOUND = Duration.ofSeconds(1);
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
            server.index().addListener(index -> {
                Instant now = Instant.now();
                for (StorePath p : List.of(out42, out40)) {
                    if (index.contains(p)) {
                        indexedAt.putIfAbsent(p, now);
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
                Instant commit42 = buildWhenAsked(nix, guest, waiting, "42", drv42);
                Instant commit40 = buildWhenAsked(nix, guest, waiting, "40", drv40);
                int rc = guest.await(Duration.ofSeconds(2L * LIMIT_SECONDS + 120));
                assertEquals(0, rc, "guest exit " + rc + ": " + guest.failureReport(rc));
                assertTrue(guest.lines().stream().anyMatch(l -> l.contains("EXEC r42 " + HELLO)), "ran over 4.2");
                assertTrue(guest.lines().stream().anyMatch(l -> l.contains("EXEC r40 " + HELLO)), "ran over 4.0");

                Instant indexed42 = indexedAt.get(out42);
                Instant indexed40 = indexedAt.get(out40);
                assertNotNull(indexed42);
                assertNotNull(indexed40);
                Duration server42 = between(commit42, indexed42);
                Duration server40 = between(commit40, indexed40);
                System.out.printf("visibility with options %s%n", mountOptions());
                System.out.printf("visibility (nix-store --realise while the guest waits): server's part (commit -> index)"
                                + " %d ms, %d ms; client's part (index -> runs) with the options above: NFSv4.2 %d ms"
                                + " (listed %d ms), NFSv4.0 %d ms (listed %d ms); kernel defaults (NFSv4.2): %d ms%n",
                        server42.toMillis(), server40.toMillis(),
                        ms(indexed42, lineAt.get("EXEC r42")), ms(indexed42, lineAt.get("LISTED r42")),
                        ms(indexed40, lineAt.get("EXEC r40")), ms(indexed40, lineAt.get("LISTED r40")),
                        ms(indexed42, lineAt.get("EXEC d42")));
                assertTrue(server42.compareTo(SERVER_BOUND) <= 0 && server40.compareTo(SERVER_BOUND) <= 0,
                        "indexed within " + SERVER_BOUND.toMillis() + " ms of the commit: " + server42.toMillis()
                                + " ms, " + server40.toMillis() + " ms");
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

    /** Waits for the guest to ask for the path, then builds it; the commit's time. */
    private static Instant buildWhenAsked(NixStoreFixture nix, HostProcess guest, LinkedBlockingQueue<String> waiting,
                                          String which, String drv) throws Exception {
        String asked = waiting.poll(LIMIT_SECONDS + 300, TimeUnit.SECONDS);
        if (asked == null) {
            int rc = guest.await(Duration.ofSeconds(10));
            throw new AssertionError("the guest never asked for the " + which + " path: " + guest.failureReport(rc));
        }
        assertEquals(which, asked);
        nix.nix(null, "nix-store", "--realise", drv);
        Instant returned = Instant.now();
        Instant written = lastWrite(nix);
        return written.isBefore(returned) ? written : returned;
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
