package org.nixnfs.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nixnfs.fetch.FetchMetrics;
import org.nixnfs.fetch.NixCommands;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.gc.GcService;
import org.nixnfs.gc.NixStoreCommand;
import org.nixnfs.gc.PinStore;
import org.nixnfs.gc.Recovery;
import org.nixnfs.server.FaultInConfig;
import org.nixnfs.server.admin.AdminApi;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.usage.PathUsage;
import org.nixnfs.store.usage.UsageDatabase;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nixnfs gc}: evict store paths executors no longer use, closure-aware, through Nix. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Delete the store paths executors stopped using, with Nix (nix-store --delete), never what is "
                + "still needed: a path stays while it was used within --keep-unused, registered within --grace, "
                + "pinned, open on an executor, rooted by a Nix GC root (other than rules_nixpkgs' own roots, which are "
                + "removed once their target is dead), or referenced by a path that stays.",
            "", "Runs in the server (through its admin API) so that files open on executors are respected.",
            "", "With --standalone and fault-in (--substituters, --cold-tier: the options the server was started with), "
                + "it deletes, as the server does, only what can come back: what a substituter has, or what it copied "
                + "to the cold tier first."})
public final class GcCommand implements Callable<Integer> {
    @Option(names = "--dry-run", description = "Print the plan (paths, sizes, why each is dead, total) without deleting.")
    boolean dryRun;

    @Option(names = "--keep-unused", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Judge by this keep-unused instead of the server's.")
    Duration keepUnused;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Judge by this grace instead of the server's.")
    Duration grace;

    @Option(names = "--now", paramLabel = "TIME",
            description = "Evaluate the policy as if it were this time (ISO-8601, e.g. 2027-01-01T00:00:00Z): what would go then.")
    Instant now;

    @Option(names = "--json", description = "Print JSON.")
    boolean asJson;

    @Mixin
    AdminOption admin = new AdminOption();

    @Option(names = "--standalone",
            description = "Run without a server, from the state directory and Nix database (files open on executors are not known).")
    boolean standalone;

    @Option(names = "--store-root", paramLabel = "DIR", defaultValue = "/", description = "With --standalone: the store root. Default: ${DEFAULT-VALUE}.")
    Path storeRoot;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "With --standalone: the server's state directory.")
    Path stateDir;

    @Option(names = "--nix-store", paramLabel = "PATH", defaultValue = "nix-store", description = "With --standalone: nix-store. Default: ${DEFAULT-VALUE}.")
    String nixStore;

    /** With --standalone: the server's binary caches and cold tier, so that recoverability is judged as the server does. */
    @Mixin
    CacheOptions caches = new CacheOptions();

    @Override
    public Integer call() throws Exception {
        Map<String, Object> result = standalone ? runStandalone() : runInServer();
        if (asJson) {
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        } else {
            print(result);
        }
        return 0;
    }

    private Map<String, Object> runInServer() throws Exception {
        if (caches.given()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--substituters, --trusted-public-keys, "
                    + "--cold-tier, --signing-key and --cold-keep go with --standalone; the server uses its own");
        }
        StringBuilder q = new StringBuilder();
        if (keepUnused != null) {
            q.append("&keepUnused=").append(keepUnused);
        }
        if (grace != null) {
            q.append("&grace=").append(grace);
        }
        if (now != null) {
            q.append("&now=").append(URLEncoder.encode(now.toString(), StandardCharsets.UTF_8));
        }
        String query = q.length() == 0 ? "" : "?" + q.substring(1);
        AdminClient client = admin.client();
        AdminClient.Response r;
        try {
            r = client.send(dryRun ? "GET" : "POST", (dryRun ? "/api/v1/gc/plan" : "/api/v1/gc/run") + query);
        } catch (AdminClient.Unreachable e) {
            throw new IOException(e.getMessage() + "; start one (nixnfs serve), pass --admin, or use --standalone");
        }
        if (r.status() != 200) {
            throw new IOException("GC failed: HTTP " + r.status() + ": " + r.body().strip());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new ObjectMapper().readValue(r.body(), Map.class);
        return m;
    }

    private Map<String, Object> runStandalone() throws Exception {
        Path state = stateDir != null ? stateDir : Defaults.stateDir();
        StoreIndex index = NixDatabase.open(storeRoot).load();
        Map<String, PathUsage> usage = UsageDatabase.readIfExists(state);
        Map<String, Long> lastUse = new HashMap<>();
        usage.forEach((h, u) -> lastUse.put(h, u.lastAccessMillis()));
        GcPolicy policy = GcPolicy.defaults();
        policy = keepUnused != null ? policy.withKeepUnused(keepUnused) : policy;
        policy = grace != null ? policy.withGrace(grace) : policy;
        Clock clock = now != null ? Clock.fixed(now, ZoneOffset.UTC) : Clock.systemUTC();
        if (caches.signingKey != null && caches.coldTier == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--signing-key needs --cold-tier");
        }
        FaultInConfig faultIn = caches.config(storeRoot);
        ExecutorService io = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "gc-narinfo");
            t.setDaemon(true);
            return t;
        });
        try {
            GcService gc = new GcService(policy, new NixStoreCommand(storeRoot, nixStore),
                    new GcService.Facts(() -> index, () -> lastUse, Set::of), new PinStore(state), clock, hashes -> {
                        try (UsageDatabase db = UsageDatabase.open(state)) {
                            db.forget(hashes);
                        } catch (Exception e) {
                            System.err.println("nixnfs: could not forget usage of deleted paths: " + e.getMessage());
                        }
                    }, recovery(faultIn, io));
            return dryRun ? AdminApi.planJson(gc.plan()) : AdminApi.runJson(gc.collect());
        } finally {
            io.shutdownNow();
        }
    }

    /** The server's recoverability check, for the caches given; null (delete as before) without fault-in. */
    private Recovery recovery(FaultInConfig faultIn, ExecutorService io) throws IOException {
        if (!faultIn.enabled()) {
            return null;
        }
        if (faultIn.coldTier() != null) {
            faultIn.coldTier().prepare(StorePath.STORE_DIR);
        }
        NixCommands nix = new NixCommands(storeRoot, nixStore, "nix");
        return Recovery.forCaches(faultIn.effectiveFetch(), faultIn.coldTier(), nix,
                new FetchMetrics(new SimpleMeterRegistry()), io, p -> { });
    }

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> m) {
        if (m.containsKey("paths")) {
            for (Map<String, Object> root : (Iterable<Map<String, Object>>) m.get("rootsToRemove")) {
                System.out.println("remove root " + root.get("link") + " -> " + root.get("target"));
            }
            for (Map<String, Object> p : (Iterable<Map<String, Object>>) m.get("paths")) {
                System.out.printf("%10s  %s%n            %s%n", GcRunResult.humanBytes(((Number) p.get("narSize")).longValue()),
                        p.get("path"), p.get("reason"));
                if (p.containsKey("recovery")) {
                    System.out.printf("            %s: %s%n", p.get("recoveryStatus"), p.get("recovery"));
                }
            }
            System.out.printf("%d paths would be deleted, %s; %d live paths stay (policy evaluated at %s)%n",
                    ((Number) m.get("deadPaths")).intValue(),
                    GcRunResult.humanBytes(((Number) m.get("totalBytes")).longValue()),
                    ((Number) m.get("livePaths")).intValue(), m.get("evaluatedAt"));
            if (m.get("recoveryUnknown") instanceof Number n && n.longValue() > 0) {
                System.out.printf("%d paths could not be checked (the substituters failed or did not answer): "
                        + "GC keeps them and asks again next run%n", n.longValue());
            }
        } else {
            for (Object d : (Iterable<Object>) m.get("deleted")) {
                System.out.println("deleted " + d);
            }
            for (Object r : (Iterable<Object>) m.get("removedRoots")) {
                System.out.println("removed root " + r);
            }
            for (Object f : (Iterable<Object>) m.get("failures")) {
                System.out.println("not deleted: " + f);
            }
            System.out.printf("freed %s in %d paths in %d ms%s%n",
                    GcRunResult.humanBytes(((Number) m.get("bytesFreed")).longValue()),
                    ((List<?>) m.get("deleted")).size(), ((Number) m.get("durationMillis")).longValue(),
                    Boolean.TRUE.equals(m.get("stoppedEarly")) ? " (stopped early: paths came back into use)" : "");
        }
    }

}
