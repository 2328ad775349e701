package org.nixnfs.server.replica;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nixnfs.server.admin.AdminToken;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.usage.UsageTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the primary: pulls what executors used through each replica ({@code GET /api/v1/usage} of the
 * replica's admin listener) into the primary's own usage, so that the primary's GC keeps a path
 * used only through a replica. Each use counts under the executor's address with " via " and the
 * replica's address. A replica that does not answer is logged and counted, and tried again next
 * time; what it reported before stays. Replicas with an admin token (any whose admin listener the
 * primary can reach over the network) answer the usage report only with it, so it is sent along.
 */
public final class UsagePuller {
    private static final Logger log = LoggerFactory.getLogger(UsagePuller.class);

    private final List<URI> replicas;
    private final AdminToken token;
    private final UsageTracker usage;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Counter failures;

    /**
     * @param replicas the replicas' admin base URLs, e.g. http://replica-0:9100
     * @param token    sent as a bearer token to every replica; null for none
     */
    public UsagePuller(List<URI> replicas, AdminToken token, UsageTracker usage, MeterRegistry metrics) {
        this.replicas = List.copyOf(replicas);
        this.token = token;
        this.usage = usage;
        this.failures = Counter.builder("nixnfs.usage.pull.failures")
                .description("Pulls of a replica's usage (--usage-from) that failed").register(metrics);
    }

    /** One pull from every replica; returns how many used paths they reported. */
    public int pullAll() {
        int n = 0;
        for (URI replica : replicas) {
            try {
                n += pull(replica);
            } catch (IOException | RuntimeException e) {
                failures.increment();
                log.warn("cannot pull usage from replica {}: {}", replica, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return n;
            }
        }
        return n;
    }

    private int pull(URI replica) throws IOException, InterruptedException {
        URI uri = replica.resolve("/api/v1/usage");
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (token != null) {
            req.header("Authorization", token.header());
        }
        HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 401) {
            throw new IOException(uri + ": HTTP 401: the replica needs its admin token"
                    + (token == null ? "; pass --usage-from-token-file (or --admin-token-file)" : ", and this one is not it"));
        }
        if (r.statusCode() != 200) {
            throw new IOException(uri + ": HTTP " + r.statusCode());
        }
        String via = " via " + replica.getHost() + (replica.getPort() > 0 ? ":" + replica.getPort() : "");
        int n = 0;
        for (JsonNode entry : json.readTree(r.body()).path("paths")) {
            long last = entry.path("lastAccessMillis").asLong(0);
            Optional<StorePath> path = StorePath.parse(entry.path("path").asText(""));
            if (last <= 0 || path.isEmpty()) {
                continue;
            }
            String hash = path.get().hashPart();
            Iterator<Map.Entry<String, JsonNode>> clients = entry.path("clients").fields();
            if (!clients.hasNext()) {
                usage.merge(hash, "replica" + via, last);
            }
            while (clients.hasNext()) {
                Map.Entry<String, JsonNode> c = clients.next();
                usage.merge(hash, c.getKey() + via, c.getValue().asLong(last));
            }
            n++;
        }
        return n;
    }
}
