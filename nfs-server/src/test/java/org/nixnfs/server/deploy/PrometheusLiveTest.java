package org.nixnfs.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nixnfs.server.metrics.ScrapeFixture;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * deploy/prometheus and deploy/grafana against a real Prometheus (Debian's) scraping a real
 * nixnfs process: after NFS traffic, a pushed path (published to a binary cache), a GC run that
 * recalls a read delegation and moves a dead path to the cold tier, and that path fetched back by
 * fault-in, every query of the dashboard returns data and every rule evaluates without error;
 * then the alerts fire when their conditions are made true (the server stalls while a path is
 * registered, GC cannot run nix-store, the server stops). The dashboard's query results are
 * written to target/prometheus-live/ (deploy/grafana/plot-dashboard plots them).
 *
 * <p>The methods run in order: each later one changes the server's state for good.
 */
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusLiveTest {
    static Path dir;
    static NixStoreFixture nix;
    static StorePath data;
    static StorePath unused;
    static Path nixStoreLink;
    static BinaryCacheFixture cache;
    static ServerProcess server;
    static LivePrometheus prometheus;
    static Instant started;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("nixnfs-prometheus-live");
        nix = NixStoreFixture.create(dir);
        data = nix.addText("data.txt", "0123456789abcdef".repeat(20_000));
        unused = nix.addText("unused.txt", "nobody reads this\n");
        // GC runs nix-store through this link, so a test can take nix-store away ("nix-store missing");
        // publishing runs the nix beside it.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        nixStoreLink = bin.resolve("nix-store");
        Files.createSymbolicLink(nixStoreLink, LivePrometheus.onPath("nix-store").toRealPath());
        Files.createSymbolicLink(bin.resolve("nix"), LivePrometheus.onPath("nix").toRealPath());
        // A primary's setup, so that the fault-in and publishing meters exist: it publishes to a binary cache,
        // faults in from it, and GC copies what it has not to a cold tier; its one replica does not answer.
        cache = BinaryCacheFixture.create(dir.resolve("binary-cache"), "nixnfs-live-1");
        Files.writeString(Files.createDirectories(cache.directory()).resolve("nix-cache-info"), "StoreDir: /nix/store\n");
        String cacheUrl = cache.fileUrl().toString();
        server = ServerProcess.start(nix.storeRoot(), dir.resolve("state"), dir.resolve("nixnfs.log"),
                List.of("--grace", "0s", "--keep-unused", KEEP_UNUSED.toSeconds() + "s", "--nix-store",
                        nixStoreLink.toString(), "--publish-to", cacheUrl, "--substituters", cacheUrl,
                        "--trusted-public-keys", cache.publicKey(), "--cold-tier", dir.resolve("cold").toUri().toString(),
                        "--signing-key", cache.secretKey().toString(), "--usage-from", "http://127.0.0.1:9/",
                        "--usage-pull-interval", "2s"));
        started = Instant.now();
        prometheus = LivePrometheus.start(dir.resolve("prometheus"), "127.0.0.1:" + server.admin.getPort());
        Waits.until("Prometheus scrapes nixnfs", Duration.ofMinutes(1),
                () -> prometheus.query("up{job=\"nixnfs\"} == 1").size() == 1);

        // NFS traffic over several scrapes, so that rates and ratios have data points.
        scrapesFrom(8, () -> ScrapeFixture.traffic(server.nfs, data));
        StorePath pushed = nix.addText("pushed.txt", "pushed while the server runs\n"); // visibility lag; published
        Waits.until("the pushed path is published", Duration.ofMinutes(1),
                () -> Files.exists(cache.directory().resolve(pushed.hashPart() + ".narinfo")));
        gcRecallingADelegation();
        // An executor needs the evicted path again: fault-in fetches it back from the cold tier.
        Waits.until("the evicted path is fetched back when looked up", Duration.ofMinutes(2), () -> {
            try (Nfs4TestClient c = Nfs4TestClient.connect(server.nfs, 1)) {
                c.lookup("/nix/store/" + unused.baseName());
                return true;
            } catch (Nfs4TestClient.NfsError delayWhileFetching) {
                return false;
            }
        });
        scrapesFrom(6, () -> ScrapeFixture.traffic(server.nfs, data));
    }

    /** --keep-unused of the server: short, so that a path opened a moment ago can be dead. */
    static final Duration KEEP_UNUSED = Duration.ofSeconds(3);

    /**
     * A 4.1 client opens the unused path, which gets it a read delegation, and closes it; once the
     * path is unused for longer than --keep-unused (the data path kept in use meanwhile), a GC run
     * recalls the delegation, which the client returns, then copies the path to the cold tier and
     * deletes it.
     */
    static void gcRecallingADelegation() throws Exception {
        try (Nfs4TestClient holder = Nfs4TestClient.connectWithBackchannel(server.nfs, 1)) {
            Nfs4TestClient.Opened o = holder.open(holder.lookup("/nix/store"), unused.baseName());
            assertNotNull(o.delegation(), "a read delegation on " + unused);
            holder.close(o);
            Instant opened = Instant.now();
            Waits.until("the unused path was last used longer ago than --keep-unused", Duration.ofMinutes(1), () -> {
                ScrapeFixture.traffic(server.nfs, data);
                return Duration.between(opened, Instant.now()).compareTo(KEEP_UNUSED.plusSeconds(1)) > 0;
            });
            CompletableFuture<HttpResponse<String>> gc = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.post("/api/v1/gc/run");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Nfs4TestClient.Recall recall = holder.awaitRecall(60_000);
            assertEquals(0, holder.delegReturn(recall.fh(), recall.seqid(), recall.other()), "DELEGRETURN");
            HttpResponse<String> run = gc.get(2, TimeUnit.MINUTES);
            assertEquals(200, run.statusCode(), run.body());
            assertTrue(run.body().contains(unused.baseName()), "GC deleted the unused path: " + run.body());
        }
    }

    interface Action {
        void run() throws Exception;
    }

    /** Repeats {@code action} until Prometheus has scraped {@code n} more times. */
    static void scrapesFrom(int n, Action action) throws Exception {
        double before = scrapes();
        Waits.until(n + " more scrapes", Duration.ofMinutes(1), () -> {
            action.run();
            return scrapes() >= before + n;
        });
    }

    static double scrapes() throws Exception {
        JsonNode r = prometheus.query("count_over_time(up{job=\"nixnfs\"}[1h])");
        return r.isEmpty() ? 0 : r.get(0).get("value").get(1).asDouble();
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            dashboardResults("whole-run.json"); // healthy, stalled, GC failing, stopped: for plot-dashboard
            prometheus.close();
        }
        if (server != null) {
            server.close();
        }
        if (cache != null) {
            cache.close();
        }
    }

    /** A query of a panel of deploy/grafana/nixnfs.json, Grafana's variables filled in as Grafana would. */
    record PanelQuery(String panel, String refId, String legend, String expr) {
        String promql() {
            return expr.replace("$__rate_interval", LivePrometheus.RATE_INTERVAL).replace("$job", "nixnfs")
                    .replace("$instance", ".*");
        }
    }

    static List<PanelQuery> panelQueries() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(RepoFiles.deploy("grafana/nixnfs.json").toFile());
        List<PanelQuery> l = new ArrayList<>();
        for (JsonNode p : dashboard.get("panels")) {
            for (JsonNode t : p.path("targets")) {
                l.add(new PanelQuery(p.get("title").asText(), t.get("refId").asText(), t.path("legendFormat").asText(),
                        t.get("expr").asText()));
            }
        }
        return l;
    }

    /**
     * Every panel query over the run so far, with the results, to {@code target/prometheus-live/NAME}
     * (input of deploy/grafana/plot-dashboard); returns the queries without a single number.
     */
    static List<String> dashboardResults(String name) throws Exception {
        ArrayNode report = new ObjectMapper().createArrayNode();
        List<String> empty = new ArrayList<>();
        Instant end = Instant.now();
        for (PanelQuery q : panelQueries()) {
            JsonNode matrix = prometheus.queryRange(q.promql(), started, end);
            boolean hasNumber = false;
            for (JsonNode series : matrix) {
                for (JsonNode point : series.get("values")) {
                    String v = point.get(1).asText();
                    hasNumber |= !v.equals("NaN") && !v.contains("Inf");
                }
            }
            if (!hasNumber) {
                empty.add(q.panel() + " " + q.refId() + ": " + q.promql());
            }
            ObjectNode entry = report.addObject();
            entry.put("panel", q.panel()).put("refId", q.refId()).put("legend", q.legend()).put("expr", q.expr())
                    .put("promql", q.promql());
            entry.set("result", matrix);
        }
        Path out = Files.createDirectories(Path.of("target", "prometheus-live")).resolve(name);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), report);
        return empty;
    }

    @Test
    @Order(1)
    void everyDashboardQueryReturnsData() throws Exception {
        List<PanelQuery> queries = panelQueries();
        List<String> empty = dashboardResults("healthy.json");
        System.out.printf("PrometheusLiveTest: %d of %d dashboard queries (%d panels) returned data%n",
                queries.size() - empty.size(), queries.size(), queries.stream().map(PanelQuery::panel).distinct().count());
        assertEquals(List.of(), empty,
                "dashboard queries without a single number over the test's run (all in target/prometheus-live)");
        assertTrue(queries.size() >= 40, "the dashboard has its queries: " + queries.size());

        // Grafana's variables: label_values(nixnfs_index_paths, job), then instance within the job.
        JsonNode series = prometheus.api("/api/v1/series?match[]=" + LivePrometheus.encode("nixnfs_index_paths{job=\"nixnfs\"}"));
        assertEquals(1, series.size(), series.toString());
        assertEquals("127.0.0.1:" + server.admin.getPort(), series.get(0).get("instance").asText());
    }

    @Test
    @Order(2)
    void everyRuleIsHealthy() throws Exception {
        Waits.until("every rule has been evaluated", Duration.ofMinutes(1), () -> prometheus.rules().stream()
                .noneMatch(r -> r.path("health").asText().equals("unknown")));
        Map<String, String> unhealthy = new TreeMap<>();
        List<JsonNode> rules = prometheus.rules();
        for (JsonNode r : rules) {
            if (!r.path("health").asText().equals("ok")) {
                unhealthy.put(r.get("name").asText(), r.path("health").asText() + ": " + r.path("lastError").asText());
            }
        }
        System.out.printf("PrometheusLiveTest: %d of %d rules healthy%n", rules.size() - unhealthy.size(), rules.size());
        assertEquals(Map.of(), unhealthy);
        long alertsInFile = Files.readAllLines(RepoFiles.deploy("prometheus/nixnfs-alerts.yml")).stream()
                .filter(l -> l.strip().startsWith("- alert:")).count();
        assertEquals(alertsInFile, rules.size(), "the rules of deploy/prometheus/nixnfs-alerts.yml");
        for (String alert : List.of("NixnfsDown", "NixnfsMetricsAbsent", "NixnfsVisibilityLagHigh", "NixnfsGcFailing",
                "NixnfsIndexStale", "NixnfsUsageFlushFailing")) {
            assertTrue(!prometheus.firing(alert), alert + " fires while all is well: " + prometheus.alerts());
        }
    }

    /**
     * The server stalls (SIGSTOP, as in a long pause) while Nix registers a path; once it resumes,
     * the path has become visible only seconds after its registration.
     */
    @Test
    @Order(3)
    void visibilityLagAlertFires() throws Exception {
        server.signal("STOP");
        try {
            nix.addText("late.txt", "registered while nixnfs stalls\n");
            Instant registered = Instant.now();
            Waits.until("the registration is 7 s old (the alert's threshold is 1 s)", Duration.ofMinutes(1),
                    () -> Duration.between(registered, Instant.now()).toSeconds() >= 7);
        } finally {
            server.signal("CONT");
        }
        untilFiring("NixnfsVisibilityLagHigh");
    }

    @Test
    @Order(4)
    void gcFailingAlertFires() throws Exception {
        assertTrue(prometheus.query("ALERTS{alertname=\"NixnfsGcFailing\"}").isEmpty());
        Files.delete(nixStoreLink);
        HttpResponse<String> gc = server.post("/api/v1/gc/run");
        assertEquals(500, gc.statusCode(), "GC without nix-store fails as a whole: " + gc.body());
        untilFiring("NixnfsGcFailing");
    }

    @Test
    @Order(5)
    void downAlertFiresWhenTheServerStops() throws Exception {
        Waits.until("NixnfsDown (from the stall) has resolved", Duration.ofMinutes(1),
                () -> !prometheus.firing("NixnfsDown"));
        server.stop();
        untilFiring("NixnfsDown");
    }

    /** Waits until /api/v1/alerts lists the alert as firing (with the test's shortened for: durations). */
    static void untilFiring(String alert) throws Exception {
        Waits.until(alert + " fires", Duration.ofMinutes(2), () -> prometheus.firing(alert));
        System.out.println("PrometheusLiveTest: " + alert + " firing in /api/v1/alerts");
    }
}
