package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.ValidPath;
import org.nixnfs.store.testing.SyntheticStore;

/** A store of 100,000 valid paths: the store directory lists completely with any client buffer size. */
@Tag("slow")
class LargeStoreTest {
    static final int PATHS = 100_000;

    @Test
    void readDirOfAHundredThousandEntriesCompletesWithAnyBufferSize(@TempDir Path root) throws Exception {
        SyntheticStore.writeDatabase(root, PATHS, 4, 42);
        Path storeDir = Files.createDirectories(root.resolve("nix/store"));
        List<ValidPath> paths = SyntheticStore.generate(PATHS, 4, 42);
        for (ValidPath vp : paths) {
            Files.createDirectory(storeDir.resolve(vp.path().baseName()));
        }
        try (NixnfsServer server = ServerHarness.start(root, 90, 0);
             Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            assertEquals(PATHS, server.index().current().size());
            byte[] store = c.lookup("/nix/store");
            for (int maxCount : new int[] {1 << 20, 4096, 400}) {
                long t0 = System.nanoTime();
                List<String> names = c.readDirNames(store, maxCount);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                Set<String> unique = new HashSet<>(names);
                assertEquals(PATHS, names.size(), "maxcount " + maxCount);
                assertEquals(PATHS, unique.size(), "no duplicates with maxcount " + maxCount);
                System.out.printf("READDIR of %d entries with maxcount %d: %d ms%n", PATHS, maxCount, ms);
            }
        }
    }
}
