package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.it.guest.HostTools;
import org.nixnfs.store.testing.NixStoreFixture;
import picocli.CommandLine;

/**
 * Which store {@code nixnfs serve} exports without --store-root: a machine's store only when it
 * holds valid paths; otherwise the demo store, with the reason in one line (real Nix 2.8 stores,
 * the real scripts/make-demo-store).
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

    /** What serve does on such a machine: builds the demo store under the state directory and exports it. */
    @Test
    void onAMachineWithAnEmptyNixTheDemoStoreIsServedWithOneLineSayingWhy(@TempDir Path dir) throws Exception {
        NixStoreFixture machine = NixStoreFixture.create(dir.resolve("machine"));
        Path state = dir.resolve("state");
        ByteArrayOutputStream said = new ByteArrayOutputStream();

        Path root = Defaults.storeRoot(machine.storeRoot(), state, HostTools.repoRoot(),
                new PrintStream(said, true, StandardCharsets.UTF_8));

        assertEquals(state.resolve("demo-store"), root);
        assertNull(Defaults.whyNotServe(root), "the demo store holds valid paths");
        List<String> lines = said.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), "one line: " + lines);
        assertEquals("nixnfs: " + machine.storeDirectory() + " holds no valid path; serving the demo store instead ("
                + root + ", built on first use)", lines.get(0));
    }

    @Test
    void aMachineStoreWithValidPathsIsServedSilently(@TempDir Path dir) throws Exception {
        NixStoreFixture machine = NixStoreFixture.create(dir.resolve("machine"));
        machine.addText("greeting", "hello");
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        assertEquals(machine.storeRoot(), Defaults.storeRoot(machine.storeRoot(), dir.resolve("state"),
                HostTools.repoRoot(), new PrintStream(said, true, StandardCharsets.UTF_8)));
        assertEquals("", said.toString(StandardCharsets.UTF_8));
    }

    /** A jar run outside its checkout (no scripts/make-demo-store) on such a machine: a clear error, nothing built. */
    @Test
    void withoutTheDemoStoreScriptServeSaysToPassStoreRoot(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> Defaults.storeRoot(dir, state, dir.resolve("no-checkout"), System.err));
        assertTrue(e.getMessage().startsWith("no Nix store at " + dir.resolve("nix/store")
                + "; serving the demo store instead, but there is no "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; pass --store-root"), e.getMessage());
        assertFalse(state.toFile().exists(), "nothing built");
    }
}
