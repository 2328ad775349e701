package org.nixnfs.store.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * Generates a synthetic but realistically shaped Nix database: a DAG in registration order where
 * every path refers only to earlier ones (or itself), with a few heavily shared "hub" paths (the
 * glibc, bash, coreutils of a real store), most references to recent paths (a package's own
 * dependencies, built just before it), a long tail of uniform picks, about a third of paths
 * referring to themselves, and a mix of .drv, source and output names. Deterministic per seed.
 */
public final class SyntheticStore {
    private static final String[] NAMES = {
        "glibc-2.37-8", "bash-5.2-p15", "coreutils-9.3", "gcc-12.3.0-lib", "zlib-1.3", "openssl-3.0.12",
        "python3-3.11.6", "perl-5.38.0", "ncurses-6.4", "readline-8.2p1", "libffi-3.4.4", "gnugrep-3.11",
        "hello-2.12.1", "source", "patch-shebangs.sh", "jdk-17.0.9", "bazel-6.4.0", "nodejs-20.9.0",
        "rustc-1.73.0", "go-1.21.4", "llvm-16.0.6-lib", "clang-16.0.6", "cmake-3.27.7", "ninja-1.11.1",
    };

    private SyntheticStore() {
    }

    /** What was generated. */
    public record Stats(int paths, long references, long totalNarSize) {
    }

    /**
     * The paths of a synthetic store, in registration order.
     *
     * @param count         number of valid paths
     * @param meanReferences mean number of references per path to other paths
     */
    public static List<ValidPath> generate(int count, double meanReferences, long seed) {
        Random random = new Random(seed);
        int hubs = Math.max(1, Math.min(200, count / 500));
        List<ValidPath> out = new ArrayList<>(count);
        StorePath[] paths = new StorePath[count];
        long now = 1_700_000_000L;
        Set<StorePath> refs = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            String base = NAMES[random.nextInt(NAMES.length)];
            String name = switch (random.nextInt(10)) {
                case 0, 1, 2 -> base + ".drv";
                case 3 -> base + "-dev";
                default -> base;
            };
            paths[i] = NixDbWriter.randomStorePath(random, name);
            refs.clear();
            if (i > 0) {
                // Exponentially distributed, capped: most paths have a handful, a few have dozens.
                int n = (int) Math.min(80, -Math.log(1 - random.nextDouble()) * meanReferences);
                for (int k = 0; k < n; k++) {
                    double r = random.nextDouble();
                    int target;
                    if (r < 0.35) {
                        target = random.nextInt(Math.min(i, hubs));
                    } else if (r < 0.85) {
                        target = i - 1 - random.nextInt(Math.min(i, 2000));
                    } else {
                        target = random.nextInt(i);
                    }
                    refs.add(paths[target]);
                }
            }
            if (random.nextInt(3) == 0) {
                refs.add(paths[i]);
            }
            long narSize = 120 + (long) (Math.exp(random.nextGaussian() * 2.5 + 10));
            out.add(new ValidPath(paths[i], now + i, narSize, List.copyOf(refs)));
        }
        return out;
    }

    /**
     * Writes a synthetic store's database to {@code <storeRoot>/nix/var/nix/db/db.sqlite} (which
     * must not exist yet). No store contents are created.
     */
    public static Stats writeDatabase(Path storeRoot, int count, double meanReferences, long seed)
            throws IOException, SQLException {
        List<ValidPath> paths = generate(count, meanReferences, seed);
        try (NixDbWriter w = NixDbWriter.create(storeRoot)) {
            try (Statement st = w.connection().createStatement()) {
                // A generated file needs no crash safety; this makes writing 100,000 rows fast.
                st.execute("pragma synchronous = off");
            }
            w.registerAll(paths);
        }
        long refs = 0;
        long nar = 0;
        for (ValidPath p : paths) {
            refs += p.references().size();
            nar += p.narSize();
        }
        return new Stats(paths.size(), refs, nar);
    }
}
