package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;
import org.nixnfs.store.usage.UsageDatabase;

/**
 * {@code kill -9} of a real server process: access times the server has flushed survive; a GC
 * run killed half-way leaves a store Nix finds consistent, loses nothing live, and the next run
 * finishes the job.
 */
@Tag("slow")
class CrashSafetyTest {
    @Test
    void accessTimesSurviveKillDashNine(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath p = nix.addText("used.txt", "used\n");
        Path state = Files.createDirectories(dir.resolve("state"));
        int port = freePort();
        Process server = startProcess(nix.storeRoot(), state, port, freePort(), "nix-store");
        try {
            awaitListening(port);
            try (Nfs4TestClient c = Nfs4TestClient.connect(new InetSocketAddress("127.0.0.1", port), 1)) {
                c.lookup("/nix/store/" + p.baseName());
            }
            awaitFlushed(state, p); // the server's periodic flush wrote it to disk: now the kill
        } finally {
            server.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no final flush
        }
        try (NixnfsServer again = ServerHarness.start(nix.storeRoot(), 90, 0, state)) {
            assertTrue(again.usage().usage(p.hashPart()).isPresent(), "the access recorded before the kill is there");
        }
    }

    @Test
    void aGcRunKilledHalfWayLeavesAConsistentStore(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        Path files = Files.createDirectories(dir.resolve("files"));
        List<String> args = new ArrayList<>(List.of("nix-store", "--add"));
        for (int i = 0; i < 150; i++) {
            args.add(Files.writeString(files.resolve("dead-" + i), "dead " + i).toString());
        }
        nix.nix(null, args.toArray(String[]::new));
        List<StorePath> kept = nix.build("let dep = " + NixStoreFixture.derivation("kept-dep", "printf d > $out")
                + "; in [ (" + NixStoreFixture.derivation("kept", "printf '${dep}' > $out") + ") dep ]");
        nix.nix(null, "nix-store", "--add-root", dir.resolve("profile").toString(), "-r", "/nix/store/" + kept.get(0).baseName());

        // nix-store as the server runs it, but announcing each deletion and taking its time.
        Path marker = dir.resolve("deleting");
        Path wrapper = dir.resolve("slow-nix-store");
        Files.writeString(wrapper, "#!/bin/sh\ncase \"$*\" in *--delete*) touch " + marker + "; sleep 1;; esac\n"
                + "exec nix-store \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));

        Path state = Files.createDirectories(dir.resolve("state"));
        int port = freePort();
        int admin = freePort();
        Process server = startProcess(nix.storeRoot(), state, port, admin, wrapper.toString());
        try {
            awaitListening(port);
            awaitListening(admin); // bound after the NFS listener
            HttpClient http = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> run = http.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin + "/api/v1/gc/run?grace=PT0S&keepUnused=PT0S"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.exists(marker) && !run.isDone() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (!Files.exists(marker)) {
                String answer = run.isDone() ? run.join().statusCode() + " " + run.join().body() : "no answer yet";
                throw new AssertionError("GC did not start deleting; the run answered: " + answer
                        + "\nserver log:\n" + Files.readString(state.resolve("server.log")));
            }
            run.cancel(true);
            killAndAwaitOrphans(server);
        } finally {
            server.destroyForcibly().waitFor();
        }
        assertConsistent(nix, kept);
        int before = NixDatabase.open(nix.storeRoot()).load().size();

        try (NixnfsServer again = ServerHarness.start(nix.storeRoot(), 90, 0, state)) {
            GcRunResult r = again.gc().with(again.gc().policy().withGrace(Duration.ZERO).withKeepUnused(Duration.ZERO),
                    Clock.systemUTC()).collect();
            assertEquals(List.of(), r.failures());
            System.out.println("after the kill: " + before + " paths; the next run deleted " + r.deleted().size());
        }
        assertConsistent(nix, kept);
        StoreIndex after = NixDatabase.open(nix.storeRoot()).load();
        assertTrue(after.paths().stream().noneMatch(v -> v.path().name().startsWith("dead-")), "the rest went too");
    }

    /** Waits until the usage database in {@code state} holds a use of {@code p}, read as the CLI reads it. */
    private static void awaitFlushed(Path state, StorePath p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!UsageDatabase.readIfExists(state).containsKey(p.hashPart())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server never flushed the use of " + p + " to " + state);
            }
            Thread.sleep(50);
        }
    }

    /**
     * SIGKILLs the server and waits for the processes it had started (a nix-store deleting a
     * batch) to finish on their own, as they would after a real crash. The server is stopped
     * (SIGSTOP) first, so it cannot start another one between the listing and the kill.
     */
    private static void killAndAwaitOrphans(Process server) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(server.pid())).start().waitFor());
        List<ProcessHandle> children = server.descendants().toList();
        server.destroyForcibly().waitFor();
        for (ProcessHandle child : children) {
            child.onExit().get(300, TimeUnit.SECONDS);
        }
    }

    /** Nix's own verification passes; the rooted path and its closure are all there. */
    private static void assertConsistent(NixStoreFixture nix, List<StorePath> kept) throws Exception {
        nix.nix(null, "nix-store", "--verify", "--check-contents");
        StoreIndex index = NixDatabase.open(nix.storeRoot()).load();
        for (StorePath k : kept) {
            assertTrue(index.contains(k) && Files.exists(nix.realPath(k)), k + " is live and must stay");
        }
        for (var vp : index.paths()) {
            assertTrue(Files.exists(nix.realPath(vp.path())), vp.path() + " registered but not on disk");
            for (StorePath ref : vp.references()) {
                assertTrue(index.contains(ref), vp.path() + " refers to the deleted " + ref);
            }
        }
    }

    private static Process startProcess(Path root, Path state, int port, int admin, String nixStore) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "org.nixnfs.server.cli.Main", "serve", "--store-root", root.toString(),
                "--listen", "127.0.0.1:" + port, "--admin-listen", "127.0.0.1:" + admin, "--state-dir", state.toString(),
                "--nix-store", nixStore, "--gc-interval", "0")
                .redirectErrorStream(true).redirectOutput(state.resolve("server.log").toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the server process did not listen on " + port);
    }
}
