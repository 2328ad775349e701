package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * GC against a real Nix store, with usage recorded through real NFS reads and a clock the test
 * moves: what is used (and its closure), rooted or open stays; dead rules_nixpkgs roots and their
 * closures go; the store stays consistent for Nix.
 */
class GcIntegrationTest {
    @Test
    void evictsWhatIsUnusedAndNothingElse(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        // glibc <- gcc <- wrapper (the toolchain in use); glibc <- gcc-old <- wrapper-old (the last
        // toolchain, rooted by rules_nixpkgs); glibc <- app (rooted by a profile); tool (open).
        String expr = "let\n"
                + "  glibc = " + NixStoreFixture.derivation("glibc", "/bin/mkdir -p $out/lib; printf libc > $out/lib/libc.so") + ";\n"
                + "  gcc = " + NixStoreFixture.derivation("gcc", "/bin/mkdir -p $out/bin; printf '${glibc}' > $out/bin/gcc") + ";\n"
                + "  wrapper = " + NixStoreFixture.derivation("cc-wrapper", "/bin/mkdir -p $out/bin; printf '${gcc}' > $out/bin/cc") + ";\n"
                + "  gccOld = " + NixStoreFixture.derivation("gcc-old", "/bin/mkdir -p $out/bin; printf '${glibc}' > $out/bin/gcc") + ";\n"
                + "  wrapperOld = " + NixStoreFixture.derivation("cc-wrapper-old", "/bin/mkdir -p $out/bin; printf '${gccOld}' > $out/bin/cc") + ";\n"
                + "  app = " + NixStoreFixture.derivation("app", "printf '${glibc}' > $out") + ";\n"
                + "  tool = " + NixStoreFixture.derivation("tool", "printf 'x' > $out") + ";\n"
                + "in [ wrapper gcc glibc wrapperOld gccOld app tool ]";
        List<StorePath> p = nix.build(expr);
        StorePath wrapper = p.get(0), gcc = p.get(1), glibc = p.get(2), wrapperOld = p.get(3), gccOld = p.get(4),
                app = p.get(5), tool = p.get(6);
        Path home = Files.createDirectories(dir.resolve("home/rules_nixpkgs_gcroots"));
        Path oldRoot = home.resolve("cc-old");
        nix.nix(null, "nix-store", "--add-root", oldRoot.toString(), "-r", "/nix/store/" + wrapperOld.baseName());
        nix.nix(null, "nix-store", "--add-root", dir.resolve("home/app-profile").toString(), "-r", "/nix/store/" + app.baseName());
        new ProcessBuilder("touch", "-h", "-d", "30 days ago", oldRoot.toString()).start().waitFor();

        MutableClock clock = new MutableClock(Instant.now());
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).build();
        try (NixnfsServer server = NixnfsServer.start(config, clock);
             Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            c.readAll(c.lookup("/nix/store/" + wrapper.baseName() + "/bin/cc"), 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096);
            Nfs4TestClient.Opened open = c.open(c.lookup("/nix/store"), tool.baseName());

            clock.advance(Duration.ofDays(3)); // past the grace period of the fresh registrations
            GcPlan plan = server.gc().plan();
            assertEquals(Set.of(wrapperOld, gccOld), outputs(paths(plan)), "only the old toolchain is dead");
            assertEquals(Set.of(wrapperOld.name() + ".drv", gccOld.name() + ".drv"),
                    paths(plan).stream().filter(x -> x.name().endsWith(".drv")).map(StorePath::name).collect(Collectors.toSet()),
                    "and their derivations; those of live paths stay, as in Nix's own GC (keep-derivations)");
            assertEquals(List.of(oldRoot), plan.rootsToRemove().stream().map(r -> r.link()).toList());

            GcRunResult r = server.gc().collect();
            assertEquals(Set.of(wrapperOld, gccOld), outputs(deleted(r)));
            assertFalse(Files.exists(oldRoot), "the dead rules_nixpkgs root was removed");
            assertFalse(Files.exists(nix.realPath(wrapperOld)));
            assertConsistent(nix);
            assertEquals(List.of(), r.failures(), "Nix agreed to every deletion");

            // Three weeks on, the toolchain went unused: it goes; glibc stays for the rooted app;
            // the tool stays while a client holds it open.
            clock.advance(Duration.ofDays(21));
            waitForIndex(server, 10);
            r = server.gc().collect();
            assertEquals(Set.of(wrapper, gcc), outputs(deleted(r)));
            assertEquals(4, deleted(r).size(), "with their derivations");
            assertTrue(Files.exists(nix.realPath(glibc)) && Files.exists(nix.realPath(app)) && Files.exists(nix.realPath(tool)));
            assertConsistent(nix);

            c.close(open); // a use too: the client touched it
            clock.advance(Duration.ofDays(15));
            waitForIndex(server, 6);
            r = server.gc().collect();
            assertEquals(Set.of(tool), outputs(deleted(r)),
                    "closed, unused, unrooted: now it goes");
            assertConsistent(nix);
        }
    }

    private static Set<StorePath> deleted(GcRunResult r) {
        return r.deleted().stream().map(GcPlan.DeadPath::path).collect(Collectors.toSet());
    }

    /** Without the derivations. */
    private static Set<StorePath> outputs(Set<StorePath> paths) {
        return paths.stream().filter(p -> !p.name().endsWith(".drv")).collect(Collectors.toSet());
    }

    private static Set<StorePath> paths(GcPlan plan) {
        return plan.paths().stream().map(GcPlan.DeadPath::path).collect(Collectors.toSet());
    }

    private static void waitForIndex(NixnfsServer server, int size) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.index().current().size() != size && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(size, server.index().current().size());
    }

    /** Nix's own check passes, and every remaining path's references are still there. */
    private static void assertConsistent(NixStoreFixture nix) throws Exception {
        nix.nix(null, "nix-store", "--verify", "--check-contents");
        StoreIndex index = NixDatabase.open(nix.storeRoot()).load();
        for (var vp : index.paths()) {
            assertTrue(Files.exists(nix.realPath(vp.path())), vp.path() + " is registered but gone from disk");
            for (StorePath ref : vp.references()) {
                assertTrue(index.contains(ref), vp.path() + " refers to the deleted " + ref);
            }
        }
    }
}
