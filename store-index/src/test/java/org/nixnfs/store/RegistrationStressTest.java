package org.nixnfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.NixDbWriter;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Issue 11: every commit must reach the index, whatever its timing. Builds through real Nix
 * ({@code nix-store --realise}, one process each, as rules_nixpkgs' push and a build on the
 * server do), deletions ({@code nix-store --delete}), random gaps of 0–50 ms, WAL checkpoints
 * forced in between by a separate read-write connection, and a CPU hog on every core. After each
 * change the test waits until the index shows it: then nothing else writes the database, so a
 * commit the watcher missed would stay missing (the bug of issue 11).
 *
 * <p>Asserted, for every change: it is indexed (a change still missing after {@link #GIVE_UP}, with
 * nothing else writing, was missed), and by the first check of the database that began after the
 * command returned: the watcher's successful checks are counted ({@code status().refreshes()},
 * serial), and the change must be in the index the check that shows it swaps in, at most two
 * checks on (one may have begun before the commit). Checks come at every notification and at
 * least every poll interval (500 ms), so that is issue 11's "within 1 s" as behaviour; the time
 * itself, commit to index, is measured and printed with the number of changes over 1 s, not
 * asserted (no timing assertions: a loaded machine must not fail the test).
 *
 * <p>One change in four is a registration by a second, long-lived writer (test only: nixnfs never
 * writes) with SQLite's {@code synchronous = FULL}: its commit syncs the WAL between writing it
 * (which notifies the watcher) and making the commit visible in the WAL index (which changes
 * nothing a stat or inotify sees). That is the window in which a Nix process preempted on a busy
 * machine leaves a commit, widened from microseconds to a sync: the stat-based watcher missed
 * such commits for good.
 *
 * <p>{@code -Dnixnfs.stress.registrations=N} changes the number of builds: 60 by default (plus a
 * few deletions), under a minute on a loaded 2-core machine, where each nix-store run takes 0.5 to
 * 0.9 s beside the hogs; {@code -Dnixnfs.stress.registrations=500} for the long run.
 */
@Tag("slow")
class RegistrationStressTest {
    private static final int REGISTRATIONS = Integer.getInteger("nixnfs.stress.registrations", 60);
    /** Issue 11's bound: the measured maximum, and how many changes took longer, are printed. */
    private static final Duration BOUND = Duration.ofSeconds(1);
    /** A change not indexed by then is counted as missed (the next command would reveal it anyway). */
    private static final Duration GIVE_UP = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    private IndexWatcher watcher;
    private final List<Process> hogs = new ArrayList<>();
    private NixDbWriter otherWriter;

    @BeforeAll
    static void nix() {
        NixStoreFixture.requireNix();
    }

    @AfterEach
    void stop() throws Exception {
        hogs.forEach(Process::destroyForcibly);
        if (otherWriter != null) {
            otherWriter.close();
        }
        if (watcher != null) {
            watcher.close();
        }
    }

    /** What the test waits for: a condition on the index, completed when it first held. */
    private record Awaited(Predicate<StoreIndex> condition, CompletableFuture<Seen> seen) {
    }

    /** When a change was first in the index, and the watcher's check count then (that check included). */
    private record Seen(Instant at, long check) {
    }

    @Test
    void everyRegistrationAndDeletionIsIndexedByTheNextCheckUnderLoad() throws Exception {
        NixStoreFixture store = NixStoreFixture.create(tmp);
        List<String> derivations = instantiate(store, REGISTRATIONS);
        StoreIndexHolder holder = new StoreIndexHolder(StoreIndex.empty());
        watcher = new IndexWatcher(NixDatabase.open(store.storeRoot()), holder); // the server's defaults
        watcher.start();
        AtomicReference<Awaited> awaited = new AtomicReference<>();
        holder.addListener(index -> {
            Awaited a = awaited.get();
            if (a != null && a.condition().test(index)) {
                // The status is published before the swap: this is the check that found the change.
                a.seen().complete(new Seen(Instant.now(), watcher.status().refreshes()));
            }
        });
        startCpuHogs();

        otherWriter = NixDbWriter.open(store.storeRoot());
        Random random = new Random(11);
        List<StorePath> built = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        List<String> overBound = new ArrayList<>();
        long worstNanos = 0;
        int[] foundBy = new int[3]; // found before the command returned, by the 1st check after, by the 2nd
        int checkpoints = 0;
        int deletions = 0;
        int syncedWrites = 0;
        for (int i = 0; i < derivations.size(); i++) {
            Thread.sleep(random.nextInt(51));
            if (random.nextInt(5) == 0) {
                checkpoint(store, random);
                checkpoints++;
            }
            boolean delete = !built.isEmpty() && random.nextInt(10) == 0;
            String what;
            Awaited a;
            Instant exited;
            if (!delete && random.nextInt(4) == 0) {
                StorePath p = otherWriter.newStorePath("synced-" + i);
                what = "registration of " + p + " by a synchronous=FULL writer";
                a = new Awaited(index -> index.contains(p), new CompletableFuture<>());
                awaited.set(a);
                otherWriter.register(new ValidPath(p, Instant.now().getEpochSecond(), 1, List.of()));
                exited = Instant.now();
                syncedWrites++;
                i--; // on top of the builds
            } else if (delete) {
                StorePath gone = built.remove(random.nextInt(built.size()));
                what = "deletion of " + gone;
                a = new Awaited(index -> !index.contains(gone), new CompletableFuture<>());
                awaited.set(a);
                store.delete(gone);
                exited = Instant.now();
                deletions++;
                i--; // deletions come on top of the builds
            } else {
                // The output path is known only once nix-store prints it: wait for "the index has
                // one more output path than before" instead, then check it is the printed one.
                int before = holder.current().size();
                what = "build of " + derivations.get(i);
                a = new Awaited(index -> index.size() > before, new CompletableFuture<>());
                awaited.set(a);
                StorePath out = parse(store.nix(null, "nix-store", "--realise", derivations.get(i)).trim());
                exited = Instant.now();
                built.add(out);
                what = "build of " + out;
            }
            long checksBefore = watcher.status().refreshes(); // the commit is done: the command returned
            Instant committed = min(lastWrite(store), exited);
            Seen seen;
            try {
                seen = a.seen().get(GIVE_UP.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                missed.add(what + ": not indexed after " + GIVE_UP.toSeconds() + " s");
                continue;
            } catch (ExecutionException e) {
                throw new AssertionError(e);
            }
            long checks = seen.check() - checksBefore;
            if (checks > 2) {
                missed.add(what + ": passed over by " + (checks - 1) + " checks begun after the commit");
            } else {
                foundBy[(int) Math.max(0, checks)]++;
            }
            long lag = Math.max(0, Duration.between(committed, seen.at()).toNanos());
            worstNanos = Math.max(worstNanos, lag);
            if (lag > BOUND.toNanos()) {
                overBound.add(String.format("%s: %.0f ms after its last write, %.0f ms after the command returned, %s",
                        what, lag / 1e6, Math.max(0, Duration.between(exited, seen.at()).toNanos()) / 1e6,
                        checks <= 0 ? "found before it returned" : "found by check " + checks + " after"));
            }
        }
        System.out.printf("RegistrationStressTest: %d builds, %d deletions, %d synchronous=FULL registrations,"
                        + " %d forced checkpoints, %d CPU hogs; commit -> index at most %.1f ms, %d over %d ms;"
                        + " found before the command returned %d, by the 1st check after %d, by the 2nd %d; %d missed%n",
                REGISTRATIONS, deletions, syncedWrites, checkpoints, hogs.size(), worstNanos / 1e6, overBound.size(),
                BOUND.toMillis(), foundBy[0], foundBy[1], foundBy[2], missed.size());
        overBound.forEach(c -> System.out.println("RegistrationStressTest: over " + BOUND.toMillis() + " ms: " + c));
        assertTrue(missed.isEmpty(), missed.size() + " changes missed by the watcher: " + missed);
        assertEquals(NixDatabase.open(store.storeRoot()).load().fingerprint(), holder.current().fingerprint());
        assertTrue(watcher.status().healthy());
    }

    /** Derivations with distinct outputs, instantiated (registered as .drv files) in one command. */
    private static List<String> instantiate(NixStoreFixture store, int n) throws IOException {
        String expr = "builtins.genList (i: " + NixStoreFixture.derivation("stress-${toString i}", "echo ${toString i} > $out")
                + ") " + n;
        List<String> drvs = new ArrayList<>();
        for (String line : store.nix(null, "nix-instantiate", "-E", expr).split("\n")) {
            if (!line.isBlank()) {
                drvs.add(line.trim());
            }
        }
        assertEquals(n, drvs.size());
        return drvs;
    }

    /**
     * A checkpoint through a separate read-write connection, as Nix's own connections do at
     * times: it copies the WAL into the database file and lets the next writer reuse the WAL from
     * its start (same size, so a size check cannot tell a new commit from an old one).
     */
    private static void checkpoint(NixStoreFixture store, Random random) throws Exception {
        String mode = List.of("PASSIVE", "RESTART", "TRUNCATE").get(random.nextInt(3));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.databaseFile());
             Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 5000");
            st.execute("PRAGMA wal_checkpoint(" + mode + ")");
        }
    }

    /** The newest modification of the database files: the commit, to file-timestamp precision. */
    private static Instant lastWrite(NixStoreFixture store) {
        Instant newest = Instant.EPOCH;
        for (String suffix : List.of("", "-wal")) {
            try {
                Instant t = Files.getLastModifiedTime(Path.of(store.databaseFile() + suffix)).toInstant();
                newest = t.isAfter(newest) ? t : newest;
            } catch (IOException e) {
                // no WAL right now
            }
        }
        return newest;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static StorePath parse(String absolute) {
        return StorePath.parseAbsolute("/nix/store", absolute).orElseThrow(() -> new AssertionError(absolute));
    }

    /** One busy loop per core, as separate processes (like qemu on the machine). */
    private void startCpuHogs() throws IOException {
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            hogs.add(new ProcessBuilder("/bin/sh", "-c", "while :; do :; done").start());
        }
    }
}
