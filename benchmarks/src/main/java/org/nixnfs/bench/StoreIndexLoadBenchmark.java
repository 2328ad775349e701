package org.nixnfs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nixnfs.store.IndexWatcher;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;
import org.nixnfs.store.testing.IndexFootprint;
import org.nixnfs.store.testing.NixDbWriter;
import org.nixnfs.store.testing.SyntheticStore;

/**
 * Measures the store index on a large Nix database:
 * {@code StoreIndexLoadBenchmark [storeRoot] [loads=5]}. Without a store root it generates a
 * 100,000-path synthetic database in a temporary directory first. Prints load time (first load
 * cold, as at server start, then warm), retained heap, closure query time, and, on the generated
 * database only (it writes to it), how fast an {@link IndexWatcher} shows a new registration.
 */
public final class StoreIndexLoadBenchmark {
    private StoreIndexLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        boolean generated = args.length == 0;
        Path root = generated ? Files.createTempDirectory("nixnfs-bench-store") : Path.of(args[0]);
        int loads = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        if (generated) {
            long t0 = System.nanoTime();
            SyntheticStore.Stats s = SyntheticStore.writeDatabase(root, 100_000, 8, 1);
            System.out.printf("generated %d paths, %d references in %.1f s under %s%n", s.paths(), s.references(),
                    (System.nanoTime() - t0) / 1e9, root);
        }
        NixDatabase db = NixDatabase.open(root);
        System.out.printf("database file: %.1f MiB%n", Files.size(db.databaseFile()) / (1024.0 * 1024));

        IndexFootprint.Result r = IndexFootprint.measure(db, loads);
        System.out.println("load: " + r);
        System.out.println("load times (ms): " + r.loadMillis().stream().map(t -> String.format("%.0f", t)).toList());

        StoreIndex index = db.load();
        measureClosures(index);
        if (generated) {
            measureWatcher(db, root);
        }
    }

    private static void measureClosures(StoreIndex index) {
        List<StorePath> all = new ArrayList<>(index.size());
        index.paths().forEach(v -> all.add(v.path()));
        Random random = new Random(3);
        long t0 = System.nanoTime();
        long total = 0;
        int queries = 1000;
        for (int i = 0; i < queries; i++) {
            total += index.closure(List.of(all.get(random.nextInt(all.size())))).size();
        }
        double closureMs = (System.nanoTime() - t0) / 1e6 / queries;
        t0 = System.nanoTime();
        int reverse = index.reverseClosure(all.subList(0, 10)).size();
        double reverseMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf("closure of a random path: %.2f ms on average (mean size %d);"
                        + " reverse closure of 10 oldest paths: %d paths in %.1f ms%n",
                closureMs, total / queries, reverse, reverseMs);
    }

    private static void measureWatcher(NixDatabase db, Path root) throws Exception {
        StoreIndexHolder holder = new StoreIndexHolder(StoreIndex.empty());
        long t0 = System.nanoTime();
        try (IndexWatcher watcher = new IndexWatcher(db, holder); NixDbWriter w = NixDbWriter.open(root)) {
            watcher.start();
            System.out.printf("IndexWatcher start (initial full load): %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            StorePath anchor = holder.current().paths().iterator().next().path();
            List<String> latencies = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                StorePath p = w.newStorePath("bench-" + i);
                w.register(new ValidPath(p, 1, 1, List.of(anchor)));
                long committed = System.nanoTime();
                while (!holder.current().contains(p)) {
                    if (System.nanoTime() - committed > Duration.ofSeconds(5).toNanos()) {
                        throw new IllegalStateException("registration not visible after 5 s");
                    }
                    Thread.onSpinWait();
                }
                latencies.add(String.format("%.1f", (System.nanoTime() - committed) / 1e6));
                Thread.sleep(50);
            }
            System.out.println("registration visible after (ms, commit to swap): " + latencies);
            System.out.println("watcher status: " + watcher.status());
        }
    }
}
