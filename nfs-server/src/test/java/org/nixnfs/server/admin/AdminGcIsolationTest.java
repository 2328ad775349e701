package org.nixnfs.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.metrics.ScrapeFixture;

/** A slow GC run through the admin API holds up neither scrapes and health checks nor NFS. */
class AdminGcIsolationTest {
    @Test
    void scrapesHealthChecksAndNfsGoOnDuringASlowGcRun() throws Exception {
        Path dir = Files.createTempDirectory("slow-nix-store");
        Path started = dir.resolve("started");
        Path release = dir.resolve("release");
        Path slowNixStore = dir.resolve("nix-store");
        // nix-store that holds the GC run until the test releases it (60 s at most).
        Files.writeString(slowNixStore, "#!/bin/sh\ntouch '" + started + "'\n"
                + "i=0; while [ ! -e '" + release + "' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n"
                + "exec nix-store \"$@\"\n");
        Files.setPosixFilePermissions(slowNixStore, PosixFilePermissions.fromString("rwx------"));
        try (ScrapeFixture f = ScrapeFixture.start(c -> new NixnfsServer.Config(c.storeRoot(), c.exportPath(),
                c.listen(), c.adminListen(), c.stateDir(), c.leaseSeconds(), c.workerThreads(), c.ioThreads(), c.cache(),
                c.maxConnections(), c.gcPolicy(), c.gcInterval(), slowNixStore.toString(), c.security()))) {
            CompletableFuture<HttpResponse<String>> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return f.send("POST", "/api/v1/gc/run", HttpRequest.BodyPublishers.noBody());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(started)) {
                assertTrue(System.nanoTime() < deadline, "the GC run never called nix-store");
                Thread.sleep(20);
            }
            // The run is now blocked in nix-store --gc --print-roots: everything else must still answer.
            assertEquals(200, f.get("/healthz").statusCode());
            assertEquals(200, f.get("/readyz").statusCode());
            assertTrue(f.scrape().containsKey("nixnfs_gc_runs_total"));
            assertEquals(200, f.get("/api/v1/usage").statusCode());
            assertEquals(4 * f.dataSize(), f.traffic());
            assertFalse(run.isDone(), "the GC run must still be blocked: the answers above did not wait for it");
            Files.createFile(release);

            HttpResponse<String> r = run.get();
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(1.0, f.scrape().get("nixnfs_gc_runs_total"));
            assertEquals(200, f.get("/api/v1/gc/last").statusCode(), "a run through the API is the server's last run");
        } finally {
            Files.deleteIfExists(slowNixStore);
            Files.deleteIfExists(started);
            Files.deleteIfExists(release);
            Files.deleteIfExists(dir);
        }
    }
}
