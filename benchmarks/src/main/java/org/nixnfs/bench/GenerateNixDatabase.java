package org.nixnfs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.testing.SyntheticStore;

/**
 * Writes a synthetic Nix database (Nix 2.8 schema, WAL mode) with a realistic reference DAG:
 * {@code GenerateNixDatabase <storeRoot> [paths=100000] [meanReferences=8] [seed=1]}. Creates
 * {@code <storeRoot>/nix/var/nix/db/db.sqlite}; no store contents.
 */
public final class GenerateNixDatabase {
    private GenerateNixDatabase() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 4) {
            System.err.println("usage: GenerateNixDatabase <storeRoot> [paths=100000] [meanReferences=8] [seed=1]");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        int paths = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        double meanReferences = args.length > 2 ? Double.parseDouble(args[2]) : 8;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        if (Files.exists(NixDatabase.databaseFileOf(root))) {
            System.err.println(NixDatabase.databaseFileOf(root) + " exists already; not overwriting it");
            System.exit(1);
        }
        long t0 = System.nanoTime();
        SyntheticStore.Stats stats = SyntheticStore.writeDatabase(root, paths, meanReferences, seed);
        System.out.printf("%s: %d valid paths, %d references, %.1f GiB total NAR size, written in %.1f s%n",
                NixDatabase.databaseFileOf(root), stats.paths(), stats.references(),
                stats.totalNarSize() / (1024.0 * 1024 * 1024), (System.nanoTime() - t0) / 1e9);
    }
}
