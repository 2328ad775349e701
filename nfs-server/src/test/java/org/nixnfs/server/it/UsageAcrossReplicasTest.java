package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.metrics.ScrapeFixture;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.usage.PathUsage;

/**
 * --usage-from: a primary pulls a replica's usage, so a path used only through the replica is
 * kept by the primary's GC, and evicted once unused everywhere for the keep-unused period.
 * Both servers read the same real Nix store here (the replica's store would be its own copy).
 */
class UsageAcrossReplicasTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aPathUsedOnlyThroughAReplicaIsKeptByThePrimarysGc() throws Exception {
        try (ScrapeFixture replica = ScrapeFixture.start()) {
            StorePath unused = replica.nix.addText("unused-everywhere.txt", "nobody reads this\n");
            InetSocketAddress replicaAdmin = replica.server.adminAddress();
            URI replicaUrl = URI.create("http://127.0.0.1:" + replicaAdmin.getPort());
            NixnfsServer.Config config = NixnfsServer.Config.builder(replica.nix.storeRoot(),
                            new InetSocketAddress("127.0.0.1", 0), Files.createTempDirectory("nixnfs-primary-state"))
                    .adminListen(new InetSocketAddress("127.0.0.1", 0)).gc(GcPolicy.defaults(), Duration.ZERO)
                    .usagePull(new NixnfsServer.Config.UsagePull(List.of(replicaUrl), Duration.ofMillis(200)))
                    .build();
            try (NixnfsServer primary = NixnfsServer.start(config)) {
                StorePath used = replica.data;
                try (Nfs4TestClient c = Nfs4TestClient.connect(replica.server.address(), 1)) {
                    c.lookup("/nix/store/" + used.baseName()); // used through the replica only
                }
                PathUsage pulled = awaitUsage(primary, used.hashPart());
                assertTrue(pulled.clients().keySet().stream().anyMatch(k -> k.endsWith(" via 127.0.0.1:"
                        + replicaAdmin.getPort())), "the use is counted under the replica: " + pulled.clients());
                assertTrue(primary.usage().usage(unused.hashPart()).isEmpty());

                URI admin = URI.create("http://127.0.0.1:" + primary.adminAddress().getPort());
                Set<String> now = plannedDeletions(admin, "keepUnused=P14D&grace=PT0S");
                assertFalse(now.contains(used.fullPath()), "used through the replica: kept; plan " + now);
                assertTrue(now.contains(unused.fullPath()), "unused everywhere: planned for deletion; plan " + now);

                String later = Instant.ofEpochMilli(pulled.lastAccessMillis()).plus(Duration.ofDays(15)).toString();
                Set<String> after = plannedDeletions(admin, "keepUnused=P14D&grace=PT0S&now=" + later);
                assertTrue(after.contains(used.fullPath()), "unused for the keep-unused period: evicted; plan " + after);
            }
        }
    }

    /**
     * A replica whose admin listener the primary reaches over the network has a token, and answers
     * its usage report only with it: a primary without the token counts failed pulls (and the
     * replica's use is not merged); one with --usage-from-token-file pulls it.
     */
    @Test
    void thePrimarySendsTheReplicasToken(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("replica-token"), "replica-admin-token-0123456789\n");
        try (ScrapeFixture replica = ScrapeFixture.start(c -> c.toBuilder()
                .security(c.security().toBuilder().adminTokenFile(token).build()).build())) {
            URI replicaUrl = URI.create("http://127.0.0.1:" + replica.server.adminAddress().getPort());
            try (Nfs4TestClient c = Nfs4TestClient.connect(replica.server.address(), 1)) {
                c.lookup("/nix/store/" + replica.data.baseName());
            }
            try (NixnfsServer without = primary(replica, new NixnfsServer.Config.UsagePull(List.of(replicaUrl),
                    Duration.ofMillis(100)), dir.resolve("without"))) {
                awaitPullFailure(without);
                assertTrue(without.usage().usage(replica.data.hashPart()).isEmpty(), "nothing pulled without the token");
            }
            try (NixnfsServer with = primary(replica, new NixnfsServer.Config.UsagePull(List.of(replicaUrl),
                    Duration.ofMillis(100), token), dir.resolve("with"))) {
                awaitUsage(with, replica.data.hashPart());
            }
        }
    }

    private static NixnfsServer primary(ScrapeFixture replica, NixnfsServer.Config.UsagePull pull, Path state)
            throws Exception {
        return NixnfsServer.start(NixnfsServer.Config.builder(replica.nix.storeRoot(),
                        new InetSocketAddress("127.0.0.1", 0), state)
                .adminListen(new InetSocketAddress("127.0.0.1", 0)).gc(GcPolicy.defaults(), Duration.ZERO)
                .usagePull(pull).build());
    }

    private void awaitPullFailure(NixnfsServer primary) throws Exception {
        URI metrics = URI.create("http://127.0.0.1:" + primary.adminAddress().getPort() + "/metrics");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (ScrapeFixture.value(ScrapeFixture.parse(body), "nixnfs_usage_pull_failures_total") >= 1) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("a pull without the replica's token never failed");
    }

    private static PathUsage awaitUsage(NixnfsServer primary, String hash) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            var u = primary.usage().usage(hash);
            if (u.isPresent()) {
                return u.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the primary never pulled the replica's use of " + hash);
    }

    private Set<String> plannedDeletions(URI admin, String query) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin.resolve("/api/v1/gc/plan?" + query)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Set<String> paths = new HashSet<>();
        for (JsonNode p : new ObjectMapper().readTree(r.body()).path("paths")) {
            paths.add(p.path("path").asText());
        }
        return paths;
    }
}
