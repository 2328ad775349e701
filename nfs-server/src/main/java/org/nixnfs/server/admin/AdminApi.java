package org.nixnfs.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.gc.GcService;
import org.nixnfs.gc.Recovery;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.usage.PathUsage;
import org.nixnfs.store.usage.UsageReport;

/**
 * The admin endpoints:
 * <pre>
 *   GET  /healthz                 process up
 *   GET  /readyz                  index loaded and NFS listener bound (503 otherwise)
 *   GET  /metrics                 Prometheus text format
 *   GET  /api/v1/usage            ?sort=last-access|size&amp;limit=N
 *   GET  /api/v1/gc/plan          ?keepUnused=P14D&amp;grace=PT1H&amp;now=2026-12-01T00:00:00Z (what-if)
 *   POST /api/v1/gc/run           same parameters; runs GC
 *   GET  /api/v1/gc/last          the last run
 *   GET  /api/v1/pins             pinned paths
 *   POST|DELETE /api/v1/pins/&lt;store path&gt;
 * </pre>
 * Unknown paths are 404, wrong methods 405, bad parameters 400. When the server has an
 * {@link AdminToken}, the mutating endpoints (POST gc/run, POST/PUT/DELETE pins) and the usage
 * report (it names which executor addresses read what) need it as
 * {@code Authorization: Bearer <token>} and answer 401 without it; the rest of reading stays open.
 */
public final class AdminApi {
    private final Supplier<String> metrics;
    private final BooleanSupplier ready;
    private final Supplier<StoreIndex> index;
    private final Supplier<Map<String, PathUsage>> usage;
    private final GcService gc;
    private final AdminToken token;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public AdminApi(Supplier<String> metrics, BooleanSupplier ready, Supplier<StoreIndex> index,
                    Supplier<Map<String, PathUsage>> usage, GcService gc) {
        this(metrics, ready, index, usage, gc, null);
    }

    /** @param token what the mutating endpoints and the usage report require; null for none (a loopback-only listener) */
    public AdminApi(Supplier<String> metrics, BooleanSupplier ready, Supplier<StoreIndex> index,
                    Supplier<Map<String, PathUsage>> usage, GcService gc, AdminToken token) {
        this.token = token;
        this.metrics = metrics;
        this.ready = ready;
        this.index = index;
        this.usage = usage;
        this.gc = gc;
    }

    public HttpResult handle(String method, String uri, byte[] body) {
        return handle(method, uri, null, body);
    }

    /** @param authorization the request's {@code Authorization} header; null if it has none */
    public HttpResult handle(String method, String uri, String authorization, byte[] body) {
        try {
            URI u = URI.create(uri);
            String path = u.getPath();
            if (path == null || !path.startsWith("/")) {
                return HttpResult.text(400, "bad request: not an absolute path: " + uri);
            }
            Map<String, String> q = query(u.getRawQuery());
            return switch (path) {
                case "/healthz" -> get(method, () -> HttpResult.text(200, "ok"));
                case "/readyz" -> get(method, () -> ready.getAsBoolean() ? HttpResult.text(200, "ready")
                        : HttpResult.text(503, "not ready"));
                case "/metrics" -> get(method, () -> new HttpResult(200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.get().getBytes(StandardCharsets.UTF_8)));
                case "/api/v1/usage" -> !authorized(authorization) ? unauthorized() : get(method, () -> usage(q));
                case "/api/v1/gc/plan" -> get(method, () -> toJson(200, planJson(gcFor(q).plan())));
                case "/api/v1/gc/run" -> !method.equals("POST") ? methodNotAllowed("POST")
                        : !authorized(authorization) ? unauthorized()
                        : toJson(200, runJson(gcFor(q).collect()));
                case "/api/v1/gc/last" -> get(method, () -> gc.lastRun().map(r -> toJson(200, runJson(r)))
                        .orElse(HttpResult.text(404, "no GC run yet")));
                case "/api/v1/pins" -> get(method, () -> toJson(200, Map.of("pins",
                        gc.pins().pins().stream().map(StorePath::fullPath).sorted().toList())));
                default -> path.startsWith("/api/v1/pins/")
                        ? pin(method, path.substring("/api/v1/pins/".length()), authorization)
                        : HttpResult.text(404, "no such endpoint: " + path);
            };
        } catch (IllegalArgumentException | DateTimeException e) {
            return HttpResult.text(400, "bad request: " + e.getMessage());
        } catch (IOException e) {
            return HttpResult.text(500, e.getMessage());
        }
    }

    private interface Action {
        HttpResult run() throws IOException;
    }

    private static HttpResult get(String method, Action a) throws IOException {
        return method.equals("GET") || method.equals("HEAD") ? a.run() : methodNotAllowed("GET, HEAD");
    }

    private static HttpResult methodNotAllowed(String allow) {
        return HttpResult.text(405, "method not allowed (allowed: " + allow + ")").withAllow(allow);
    }

    private HttpResult usage(Map<String, String> q) {
        String sort = q.getOrDefault("sort", "last-access");
        UsageReport.Sort s = switch (sort) {
            case "last-access" -> UsageReport.Sort.LAST_ACCESS;
            case "size" -> UsageReport.Sort.SIZE;
            default -> throw new IllegalArgumentException("sort must be last-access or size");
        };
        int limit = intParameter(q, "limit", 0);
        return toJson(200, Map.of("paths", UsageReport.build(index.get(), usage.get(), s, limit)));
    }

    private static int intParameter(Map<String, String> q, String name, int dflt) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new IllegalArgumentException(name + " must not be negative: " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number: " + v);
        }
    }

    /**
     * The GC service, judging by the policy and time the query asks for, if any; the server's own
     * (its clock, its last run) when the query asks for nothing else.
     */
    private GcService gcFor(Map<String, String> q) {
        for (String k : q.keySet()) {
            if (!k.equals("keepUnused") && !k.equals("grace") && !k.equals("now")) {
                throw new IllegalArgumentException("unknown parameter " + k + " (keepUnused, grace, now)");
            }
        }
        if (q.isEmpty()) {
            return gc;
        }
        GcPolicy p = gc.policy();
        if (q.containsKey("keepUnused")) {
            p = p.withKeepUnused(Duration.parse(q.get("keepUnused")));
        }
        if (q.containsKey("grace")) {
            p = p.withGrace(Duration.parse(q.get("grace")));
        }
        Clock clock = q.containsKey("now") ? Clock.fixed(Instant.parse(q.get("now")), ZoneOffset.UTC) : Clock.systemUTC();
        return gc.with(p, clock);
    }

    private boolean authorized(String authorization) {
        return token == null || token.accepts(authorization);
    }

    private static HttpResult unauthorized() {
        return HttpResult.text(401, "this endpoint needs the admin token: Authorization: Bearer <token> "
                + "(the CLI sends the one in --admin-token-file or $NIXNFS_ADMIN_TOKEN_FILE)");
    }

    private HttpResult pin(String method, String pathText, String authorization) throws IOException {
        if (Set.of("POST", "PUT", "DELETE").contains(method) && !authorized(authorization)) {
            return unauthorized();
        }
        Optional<StorePath> p = StorePath.parse(URLDecoder.decode(pathText, StandardCharsets.UTF_8));
        if (p.isEmpty()) {
            return HttpResult.text(400, "not a store path: " + pathText);
        }
        String full = p.get().fullPath();
        return switch (method) {
            case "POST", "PUT" -> HttpResult.text(gc.pins().pin(p.get()) ? 201 : 200, "pinned " + full);
            case "DELETE" -> gc.pins().unpin(p.get()) ? HttpResult.text(200, "unpinned " + full)
                    : HttpResult.text(404, "not pinned: " + full);
            default -> methodNotAllowed("POST, PUT, DELETE");
        };
    }

    public static Map<String, Object> planJson(GcPlan plan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("evaluatedAt", plan.evaluatedAt().toString());
        m.put("livePaths", plan.livePaths());
        m.put("deadPaths", plan.paths().size());
        m.put("totalBytes", plan.totalBytes());
        if (!plan.recovery().isEmpty()) { // paths the substituters could not be asked about: kept, asked again next run
            m.put("recoveryUnknown", plan.recovery().values().stream()
                    .filter(r -> r.kind() == Recovery.Kind.UNKNOWN).count());
        }
        m.put("rootsToRemove", plan.rootsToRemove().stream()
                .map(r -> Map.of("link", r.link().toString(), "target", r.target().fullPath())).toList());
        m.put("paths", plan.paths().stream().map(d -> {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("path", d.path().fullPath());
            p.put("narSize", d.narSize());
            p.put("reason", d.reason());
            Recovery.Source r = plan.recovery().get(d.path());
            if (r != null) { // only when GC requires recoverability (fault-in or a cold tier configured)
                p.put("recoverable", r.recoverable()); // GC may delete it (copying it first if need be)
                p.put("recoveryStatus", r.label());
                p.put("recovery", r.describe());
            }
            return p;
        }).toList());
        return m;
    }

    public static Map<String, Object> runJson(GcRunResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("started", r.started().toString());
        m.put("durationMillis", r.duration().toMillis());
        m.put("bytesFreed", r.bytesFreed());
        m.put("deleted", r.deleted().stream().map(d -> d.path().fullPath()).toList());
        m.put("removedRoots", r.removedRoots().stream().map(Object::toString).toList());
        m.put("failures", r.failures());
        m.put("stoppedEarly", r.stoppedEarly());
        return m;
    }

    private HttpResult toJson(int status, Object o) {
        try {
            return HttpResult.json(status, json.writeValueAsBytes(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            m.put(k, v);
        }
        return m;
    }

}
