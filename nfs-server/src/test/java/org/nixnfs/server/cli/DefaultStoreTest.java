package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Which store {@code nixnfs serve} exports without --store-root: a machine's store only when it
 * holds valid paths; otherwise the demo store, with the reason (real Nix 2.8 stores).
 */
class DefaultStoreTest {
    @Test
    void noStoreAtAllFallsBackSayingSo(@TempDir Path root) {
        assertEquals("no Nix store at " + root.resolve("nix/store"), Defaults.whyNotServe(root));
    }

    @Test
    void anEmptyNixFallsBackSayingSo(@TempDir Path dir) throws Exception {
        // What any Nix command run without --store leaves on a machine: a store and a database, no path.
        NixStoreFixture store = NixStoreFixture.create(dir);
        assertEquals(store.storeDirectory() + " holds no valid path", Defaults.whyNotServe(store.storeRoot()));
    }

    @Test
    void aStoreWithAValidPathIsServed(@TempDir Path dir) throws Exception {
        NixStoreFixture store = NixStoreFixture.create(dir);
        store.addText("greeting", "hello");
        assertNull(Defaults.whyNotServe(store.storeRoot()));
    }
}
