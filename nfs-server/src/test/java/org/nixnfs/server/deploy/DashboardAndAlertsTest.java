package org.nixnfs.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.metrics.ScrapeFixture;

/**
 * deploy/grafana and deploy/prometheus against a running server: every metric the dashboard and
 * the alert rules name exists in /metrics (after real NFS traffic), the dashboard is well formed,
 * promtool accepts the config, the rules and the dashboard's queries, and the rules' unit tests
 * pass. Also: README documents every nixnfs_ metric.
 */
class DashboardAndAlertsTest {
    static ScrapeFixture f;
    static Set<String> exposed;
    static JsonNode dashboard;
    static JsonNode alerts;

    @BeforeAll
    static void start() throws Exception {
        // Publishing on (to a cache nothing is published to): its meters exist only then.
        Path cache = Files.createTempDirectory("nixnfs-scrape-cache");
        f = ScrapeFixture.start(c -> c.toBuilder()
                .publish(NixnfsServer.Config.Publishing.to(cache.toUri().toString(), null)).build());
        f.traffic();
        exposed = ScrapeFixture.names(f.scrape());
        dashboard = new ObjectMapper().readTree(RepoFiles.deploy("grafana/nixnfs.json").toFile());
        alerts = new YAMLMapper().readTree(RepoFiles.deploy("prometheus/nixnfs-alerts.yml").toFile());
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    /** Every PromQL expression of the dashboard (panel queries and variable queries), by where it is. */
    static Map<String, String> dashboardExpressions() {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonNode p : dashboard.get("panels")) {
            for (JsonNode t : p.path("targets")) {
                m.put("panel '" + p.get("title").asText() + "' " + t.get("refId").asText(), t.get("expr").asText());
            }
        }
        Pattern labelValues = Pattern.compile("label_values\\((.*),\\s*\\w+\\)");
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                Matcher lv = labelValues.matcher(v.get("definition").asText());
                assertTrue(lv.matches(), "variable " + v.get("name"));
                m.put("variable " + v.get("name").asText(), lv.group(1));
            }
        }
        return m;
    }

    static Map<String, String> alertExpressions() {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonNode g : alerts.get("groups")) {
            for (JsonNode r : g.get("rules")) {
                m.put("alert " + r.get("alert").asText(), r.get("expr").asText());
            }
        }
        return m;
    }

    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN");

    /** The metric names in a PromQL expression: identifiers that are not functions, keywords or labels. */
    static Set<String> metricNames(String expr) {
        String e = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()").matcher(e);
        while (m.find()) {
            if (!PROMQL_WORDS.contains(m.group(1))) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void theExtractorFindsMetricsOnly() {
        assertEquals(Set.of("a_total", "b_bucket", "up"), metricNames(
                "sum by (op, le) (rate(a_total{job=\"$job\",x=~\"a|b\"}[$__rate_interval])) / on (instance) "
                        + "histogram_quantile(0.99, b_bucket[5m]) > 0.5 and up == 1"));
    }

    /**
     * Meters this fixture's server does not have: fault-in's exist only with --substituters and
     * after the first lookup or fetch, the usage pulls' only with --usage-from. PrometheusLiveTest
     * runs a server with both, and sees every dashboard query return data.
     */
    static final Set<String> ONLY_WITH_FAULT_IN_OR_REPLICAS = Set.of("nixnfs_fetch_fetches_total",
            "nixnfs_fetch_in_progress", "nixnfs_fetch_narinfo_lookups_total", "nixnfs_fetch_duration_seconds_bucket",
            "nixnfs_fetch_bytes_total", "nixnfs_usage_pull_failures_total");

    @Test
    void everyMetricTheDashboardNamesExists() {
        Set<String> missing = new TreeSet<>();
        Set<String> used = new HashSet<>();
        dashboardExpressions().forEach((where, expr) -> {
            for (String n : metricNames(expr)) {
                used.add(n);
                if (!exposed.contains(n) && !n.equals("up") && !ONLY_WITH_FAULT_IN_OR_REPLICAS.contains(n)) {
                    missing.add(n + " (" + where + ")");
                }
            }
        });
        assertEquals(Set.of(), missing, "metrics the dashboard names but the server does not expose");
        for (String needed : List.of("nixnfs_nfs_operations_seconds_bucket", "nixnfs_nfs_operations_seconds_count",
                "nixnfs_nfs_read_bytes_total", "cache_gets_total", "nixnfs_index_nar_size_bytes",
                "nixnfs_store_filesystem_size_bytes", "nixnfs_store_filesystem_available_bytes",
                "nixnfs_gc_freed_bytes_total", "nixnfs_gc_runs_total", "nixnfs_index_visibility_lag_seconds_bucket",
                "nixnfs_nfs_delegations", "nixnfs_nfs_delegation_recalls_total", "nixnfs_nfs_connections_refused_total",
                "nixnfs_nfs_state_refusals_total", "nixnfs_fetch_fetches_total", "nixnfs_publish_backlog_paths")) {
            assertTrue(used.contains(needed), "the dashboard should show " + needed);
        }
    }

    @Test
    void everyMetricTheAlertsNameExists() {
        Set<String> missing = new TreeSet<>();
        alertExpressions().forEach((where, expr) -> {
            for (String n : metricNames(expr)) {
                if (!exposed.contains(n) && !n.equals("up")) {
                    missing.add(n + " (" + where + ")");
                }
            }
        });
        assertEquals(Set.of(), missing, "metrics the alert rules name but the server does not expose");
        assertTrue(alertExpressions().keySet().containsAll(List.of("alert NixnfsDown", "alert NixnfsLatencyP99High",
                "alert NixnfsStoreDiskBelowLowWatermark", "alert NixnfsGcFailing", "alert NixnfsIndexStale",
                "alert NixnfsPublishStuck")));
    }

    @Test
    void dashboardIsWellFormed() {
        assertEquals("nixnfs", dashboard.get("uid").asText());
        assertTrue(dashboard.get("schemaVersion").asInt() >= 36);
        Set<Integer> ids = new HashSet<>();
        Set<String> variables = new HashSet<>();
        dashboard.path("templating").path("list").forEach(v -> variables.add(v.get("name").asText()));
        assertEquals(Set.of("datasource", "job", "instance"), variables);
        for (JsonNode p : dashboard.get("panels")) {
            String title = p.get("title").asText();
            assertTrue(ids.add(p.get("id").asInt()), "duplicate panel id " + p.get("id"));
            JsonNode pos = p.get("gridPos");
            assertTrue(pos.get("w").asInt() >= 1 && pos.get("x").asInt() + pos.get("w").asInt() <= 24, title);
            assertTrue(pos.get("h").asInt() >= 1 && pos.get("y").asInt() >= 0, title);
            if (p.get("type").asText().equals("row")) {
                continue;
            }
            assertTrue(Set.of("timeseries", "stat", "gauge", "table").contains(p.get("type").asText()), title);
            assertEquals("${datasource}", p.path("datasource").path("uid").asText(), title);
            assertFalse(p.path("targets").isEmpty(), title + " has no query");
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.get("targets")) {
                assertTrue(refIds.add(t.get("refId").asText()), title);
                assertFalse(t.get("expr").asText().isBlank(), title);
                for (Matcher m = Pattern.compile("\\$(\\w+)").matcher(t.get("expr").asText()); m.find(); ) {
                    assertTrue(variables.contains(m.group(1)) || m.group(1).startsWith("__"), title + ": $" + m.group(1));
                }
            }
        }
    }

    @Test
    void promtoolAcceptsConfigRulesAndRuleTests() throws Exception {
        Path dir = RepoFiles.deploy("prometheus");
        Promtool.Result r = Promtool.check(dir, "check", "config", "prometheus.yml");
        assertEquals(0, r.exit(), r.out());
        r = Promtool.check(dir, "check", "rules", "nixnfs-alerts.yml");
        assertEquals(0, r.exit(), r.out());
        r = Promtool.check(dir, "test", "rules", "nixnfs-alerts.test.yml");
        assertEquals(0, r.exit(), r.out());
    }

    /** The dashboard's queries as recording rules (Grafana's variables filled in), for promtool to parse. */
    @Test
    void promtoolParsesEveryDashboardQuery() throws Exception {
        List<Map<String, String>> rules = new ArrayList<>();
        int i = 0;
        for (String expr : dashboardExpressions().values()) {
            String e = expr.replace("$__rate_interval", "1m").replace("$job", "nixnfs").replace("$instance", ".*");
            rules.add(Map.of("record", "nixnfs:dashboard_query_" + i++, "expr", e));
        }
        Path file = Files.createTempFile("nixnfs-dashboard-queries", ".yml");
        try {
            new YAMLMapper().writeValue(file.toFile(), Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules))));
            Promtool.Result r = Promtool.check(file.getParent(), "check", "rules", file.toString());
            assertEquals(0, r.exit(), r.out());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void readmeDocumentsEveryNixnfsMetric() throws IOException {
        String readme = Files.readString(RepoFiles.root().resolve("README.md"));
        Set<String> undocumented = new TreeSet<>();
        for (String n : exposed) {
            if (!n.startsWith("nixnfs_")) {
                continue;
            }
            String base = n.replaceAll("_(bucket|count|sum|max)$", "");
            if (!readme.contains(n) && !readme.contains(base)) {
                undocumented.add(n);
            }
        }
        assertEquals(Set.of(), undocumented, "README.md, 'Operating nixnfs', should list these metrics");
    }
}
