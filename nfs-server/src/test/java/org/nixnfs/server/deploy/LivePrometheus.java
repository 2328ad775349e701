package org.nixnfs.server.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Prometheus, run by a test with the project's deploy/prometheus files: the scrape
 * configuration with only the target and the intervals rewritten, and the alert rules with their
 * {@code for:} durations shortened (minutes become seconds). Talks to its HTTP API.
 */
final class LivePrometheus implements AutoCloseable {
    /** Scrape and rule evaluation interval: short, so that a test sees minutes of behaviour in seconds. */
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Grafana's {@code $__rate_interval} for this scrape interval: four scrapes. */
    static final String RATE_INTERVAL = 4 * INTERVAL.toSeconds() + "s";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final Path log;
    private final Process process;
    private final int port;

    private LivePrometheus(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts Prometheus in {@code dir} scraping nixnfs' admin listener at {@code target} (host:port). */
    static LivePrometheus start(Path dir, String target) throws Exception {
        Path binary = onPath("prometheus");
        Files.createDirectories(dir);
        Path rules = dir.resolve("nixnfs-alerts.yml");
        Files.writeString(rules, shortenedRules(Files.readString(RepoFiles.deploy("prometheus/nixnfs-alerts.yml"))));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, testConfig(Files.readString(RepoFiles.deploy("prometheus/prometheus.yml")), target, rules));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--web.console.templates=" + dir, "--web.console.libraries=" + dir)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LivePrometheus prom = new LivePrometheus(p, port, log);
        Waits.until("Prometheus is ready (log: " + log + ")", Duration.ofMinutes(1), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("prometheus exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            return prom.status("/-/ready") == 200;
        });
        return prom;
    }

    static Path onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return Path.of(d, tool);
            }
        }
        throw new AssertionError(tool + " is not installed: run scripts/install-deps prometheus");
    }

    /** deploy/prometheus/prometheus.yml with the nixnfs job pointed at {@code target}, the intervals short and the rules at {@code rules}. */
    static String testConfig(String realConfig, String target, Path rules) throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode c = (ObjectNode) yaml.readTree(realConfig);
        String interval = INTERVAL.toSeconds() + "s";
        ((ObjectNode) c.get("global")).put("scrape_interval", interval).put("evaluation_interval", interval);
        c.putArray("rule_files").add(rules.toString());
        for (JsonNode job : c.get("scrape_configs")) {
            if (job.get("job_name").asText().equals("nixnfs")) {
                ((ObjectNode) job).put("scrape_interval", interval).put("scrape_timeout", interval);
                ArrayNode targets = ((ObjectNode) job.get("static_configs").get(0)).putArray("targets");
                targets.add(target);
                return yaml.writeValueAsString(c);
            }
        }
        throw new AssertionError("deploy/prometheus/prometheus.yml has no job_name: nixnfs");
    }

    /** The alert rules with every {@code for:} in minutes turned into as many seconds. */
    static String shortenedRules(String realRules) throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode r = yaml.readTree(realRules);
        Pattern minutes = Pattern.compile("(\\d+)m");
        for (JsonNode g : r.get("groups")) {
            for (JsonNode rule : g.get("rules")) {
                if (rule.has("for")) {
                    Matcher m = minutes.matcher(rule.get("for").asText());
                    if (!m.matches()) {
                        throw new AssertionError("for: " + rule.get("for") + " of " + rule.get("alert") + " is not in minutes");
                    }
                    ((ObjectNode) rule).put("for", m.group(1) + "s");
                }
            }
        }
        return yaml.writeValueAsString(r);
    }

    private int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** GET on the HTTP API; the "data" of a successful answer. */
    JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !body.path("status").asText().equals("success")) {
            throw new AssertionError(pathAndQuery + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return body.get("data");
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** An instant query: the result vector. */
    JsonNode query(String expr) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + encode(expr)).get("result");
    }

    /** A range query with one point per interval: the result matrix. */
    JsonNode queryRange(String expr, Instant start, Instant end) throws IOException, InterruptedException {
        return api("/api/v1/query_range?query=" + encode(expr) + "&start=" + start.getEpochSecond() + "&end="
                + end.getEpochSecond() + "&step=" + INTERVAL.toSeconds()).get("result");
    }

    /** The alerts now pending or firing. */
    JsonNode alerts() throws IOException, InterruptedException {
        return api("/api/v1/alerts").get("alerts");
    }

    boolean firing(String alertName) throws IOException, InterruptedException {
        for (JsonNode a : alerts()) {
            if (a.path("labels").path("alertname").asText().equals(alertName) && a.path("state").asText().equals("firing")) {
                return true;
            }
        }
        return false;
    }

    /** Every rule of every group, as /api/v1/rules reports them (health, lastError, lastEvaluation, ...). */
    List<JsonNode> rules() throws IOException, InterruptedException {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode g : api("/api/v1/rules").get("groups")) {
            g.get("rules").forEach(all::add);
        }
        return all;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
