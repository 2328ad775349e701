package org.nixnfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.IndexFootprint;
import org.nixnfs.store.testing.NixDbWriter;
import org.nixnfs.store.testing.SyntheticStore;

/** The size targets: 100,000 valid paths load in at most 3 s into at most 200 MiB of heap. */
@Tag("slow")
class StoreIndexScaleTest {
    private static final int PATHS = 100_000;

    @TempDir
    Path root;

    @Test
    void hundredThousandPathsLoadFastIntoLittleHeap() throws Exception {
        long t0 = System.nanoTime();
        SyntheticStore.Stats stats = SyntheticStore.writeDatabase(root, PATHS, 8, 1);
        System.out.printf("Generated %s in %.1f s%n", stats, (System.nanoTime() - t0) / 1e9);
        NixDatabase db = NixDatabase.open(root);

        IndexFootprint.Result r = IndexFootprint.measure(db, 3);
        System.out.println("StoreIndex load: " + r);
        assertEquals(PATHS, r.paths());
        assertEquals(stats.references(), r.references());
        // The best of three, so a busy CI machine does not fail it; the cold figure is printed.
        assertTrue(r.bestLoadMillis() <= 3000, r.toString());
        assertTrue(r.retainedMiB() <= 200, r.toString());

        // An incremental refresh after one registration must be cheap compared to a full load.
        DatabaseSnapshot s = db.read(null);
        try (NixDbWriter w = NixDbWriter.open(root)) {
            double[] ms = new double[10];
            for (int i = 0; i < ms.length; i++) {
                StorePath p = w.newStorePath("one-more");
                w.register(new ValidPath(p, 1, 1, List.of(s.index().pathAt(0).path())));
                long t1 = System.nanoTime();
                DatabaseSnapshot next = db.read(s);
                ms[i] = (System.nanoTime() - t1) / 1e6;
                assertTrue(next.index().contains(p));
                assertEquals(PATHS + 1 + i, next.index().size());
                s = next;
            }
            System.out.printf("Incremental refresh of one new path in a %d-path index: %s ms%n", PATHS,
                    Arrays.toString(ms));
        }
    }
}
