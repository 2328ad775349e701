package org.nixnfs.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        Path slowNixStore = Files.createTempFile("slow-nix-store", ".sh",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(slowNixStore, "#!/bin/sh\nsleep 4\nexec nix-store \"$@\"\n");
        try (ScrapeFixture f = ScrapeFixture.start(c -> new NixnfsServer.Config(c.storeRoot(), c.exportPath(),
                c.listen(), c.adminListen(), c.stateDir(), c.leaseSeconds(), c.workerThreads(), c.ioThreads(), c.cache(),
                c.maxConnections(), c.gcPolicy(), c.gcInterval(), slowNixStore.toString()))) {
            CompletableFuture<HttpResponse<String>> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return f.send("POST", "/api/v1/gc/run", HttpRequest.BodyPublishers.noBody());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(500); // the run is now waiting for nix-store --gc --print-roots
            long start = System.nanoTime();
            assertEquals(200, f.get("/healthz").statusCode());
            assertEquals(200, f.get("/readyz").statusCode());
            assertTrue(f.scrape().containsKey("nixnfs_gc_runs_total"));
            assertEquals(4 * f.dataSize(), f.traffic());
            assertTrue(System.nanoTime() - start < 3_000_000_000L, "admin and NFS answered only after the GC run");
            assertTrue(!run.isDone(), "the GC run should still be going");

            HttpResponse<String> r = run.get();
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(1.0, f.scrape().get("nixnfs_gc_runs_total"));
            assertEquals(200, f.get("/api/v1/gc/last").statusCode(), "a run through the API is the server's last run");
        } finally {
            Files.deleteIfExists(slowNixStore);
        }
    }
}
