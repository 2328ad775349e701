package org.nixnfs.server;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcService;
import org.nixnfs.gc.NixStoreCommand;
import org.nixnfs.gc.PinStore;
import org.nixnfs.server.admin.AdminApi;
import org.nixnfs.server.admin.AdminServer;
import org.nixnfs.server.admin.AdminToken;
import org.nixnfs.server.metrics.GcMetrics;
import org.nixnfs.server.metrics.NfsMetrics;
import org.nixnfs.server.metrics.ServerMetrics;
import org.nixnfs.server.net.ClientGate;
import org.nixnfs.server.net.NfsServer;
import org.nixnfs.server.nfs4.AccessRecorder;
import org.nixnfs.server.nfs4.CompoundObserver;
import org.nixnfs.server.nfs4.CompoundProcessor;
import org.nixnfs.server.nfs4.Nfs4Program;
import org.nixnfs.server.nfs4.NfsServices;
import org.nixnfs.server.nfs4.Operations;
import org.nixnfs.server.nfs4.attr.AttributeEncoder;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.rpc.RpcDispatcher;
import org.nixnfs.server.vfs.CacheSettings;
import org.nixnfs.server.vfs.FsStats;
import org.nixnfs.server.vfs.StoreExportFileSystem;
import org.nixnfs.store.IndexWatcher;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.usage.UsageDatabase;
import org.nixnfs.store.usage.UsageTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server, assembled: the store index following the Nix database, the export
 * filesystem over it, NFSv4 state, usage tracking, GC, metrics, the worker pool, the NFS
 * listener and the admin listener. {@link #close()} takes it down in reverse order.
 */
public final class NixnfsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NixnfsServer.class);

    /**
     * @param storeRoot     directory holding {@code nix/store} and {@code nix/var/nix/db}; "/" for the system store
     * @param exportPath    the path clients mount
     * @param listen        address and port of the NFS listener (port 0: any free port)
     * @param adminListen   address and port of the HTTP admin listener; null for none
     * @param stateDir      where persistent state goes (usage, pins)
     * @param leaseSeconds  NFSv4 lease time
     * @param workerThreads threads running COMPOUNDs (they may wait for the disk)
     * @param ioThreads     Netty event loop threads
     * @param gcPolicy      what GC keeps
     * @param gcInterval    how often to check the disk watermarks; zero for never
     * @param nixStore      the nix-store executable GC deletes with
     * @param security      who may connect and how much one client may hold
     */
    public record Config(Path storeRoot, String exportPath, InetSocketAddress listen, InetSocketAddress adminListen,
                         Path stateDir, int leaseSeconds, int workerThreads, int ioThreads, CacheSettings cache,
                         int maxConnections, GcPolicy gcPolicy, Duration gcInterval, String nixStore,
                         SecuritySettings security) {
        public static Config defaults(Path storeRoot, InetSocketAddress listen, Path stateDir) {
            int cores = Runtime.getRuntime().availableProcessors();
            return new Config(storeRoot, "/nix/store", listen, null, stateDir, 90, Math.max(8, 4 * cores),
                    Math.max(2, cores), CacheSettings.defaults(), 4096, GcPolicy.defaults(), Duration.ofMinutes(10),
                    "nix-store", SecuritySettings.defaults());
        }

        public Config withExportPath(String p) {
            return new Config(storeRoot, p, listen, adminListen, stateDir, leaseSeconds, workerThreads, ioThreads, cache,
                    maxConnections, gcPolicy, gcInterval, nixStore, security);
        }

        public Config withLeaseSeconds(int s) {
            return new Config(storeRoot, exportPath, listen, adminListen, stateDir, s, workerThreads, ioThreads, cache,
                    maxConnections, gcPolicy, gcInterval, nixStore, security);
        }

        public Config withAdminListen(InetSocketAddress a) {
            return new Config(storeRoot, exportPath, listen, a, stateDir, leaseSeconds, workerThreads, ioThreads, cache,
                    maxConnections, gcPolicy, gcInterval, nixStore, security);
        }

        public Config withGc(GcPolicy p, Duration interval) {
            return new Config(storeRoot, exportPath, listen, adminListen, stateDir, leaseSeconds, workerThreads,
                    ioThreads, cache, maxConnections, p, interval, nixStore, security);
        }

        public Config withSecurity(SecuritySettings s) {
            return new Config(storeRoot, exportPath, listen, adminListen, stateDir, leaseSeconds, workerThreads,
                    ioThreads, cache, maxConnections, gcPolicy, gcInterval, nixStore, s);
        }
    }

    private final List<AutoCloseable> closeInReverse;
    private final StoreIndexHolder index;
    private final IndexWatcher watcher;
    private final UsageTracker usage;
    private final StateManager state;
    private final GcService gc;
    private final PrometheusMeterRegistry metrics;
    private final NfsServer listener;
    private final AdminServer admin;

    private NixnfsServer(Builder b) {
        this.closeInReverse = b.closeables;
        this.index = b.index;
        this.watcher = b.watcher;
        this.usage = b.usage;
        this.state = b.state;
        this.gc = b.gc;
        this.metrics = b.metrics;
        this.listener = b.listener;
        this.admin = b.admin;
    }

    /** The parts as they are made, so that a failure half-way closes what was already opened. */
    private static final class Builder {
        final List<AutoCloseable> closeables = new ArrayList<>();
        StoreIndexHolder index;
        IndexWatcher watcher;
        UsageTracker usage;
        StateManager state;
        GcService gc;
        PrometheusMeterRegistry metrics;
        NfsServer listener;
        AdminServer admin;

        <T extends AutoCloseable> T closeLater(T c) {
            closeables.add(c);
            return c;
        }

        void closeAll() {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception e) {
                    log.warn("while shutting down: {}", e.toString());
                }
            }
        }
    }

    public static NixnfsServer start(Config config) throws Exception {
        return start(config, Clock.systemUTC());
    }

    /** @param clock the clock for access times and GC policy (tests move it) */
    public static NixnfsServer start(Config config, Clock clock) throws Exception {
        return start(config, clock, AccessRecorder.NONE, CompoundObserver.NONE);
    }

    /** With extra observers of accesses and operations beside the server's own (tests watch through them). */
    public static NixnfsServer start(Config config, AccessRecorder extraRecorder, CompoundObserver extraObserver)
            throws Exception {
        return start(config, Clock.systemUTC(), extraRecorder, extraObserver);
    }

    private static NixnfsServer start(Config config, Clock clock, AccessRecorder extraRecorder,
                                      CompoundObserver extraObserver) throws Exception {
        AdminToken adminToken = config.security().adminTokenFile() == null ? null
                : AdminToken.read(config.security().adminTokenFile());
        if (config.adminListen() != null) {
            AdminToken.checkListener(config.adminListen(), adminToken);
        }
        SecuritySettings security = config.security();
        Builder b = new Builder();
        try {
            Files.createDirectories(config.stateDir());
            b.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            for (var binder : List.of(new JvmMemoryMetrics(), new JvmThreadMetrics(), new ClassLoaderMetrics(),
                    new ProcessorMetrics(), new FileDescriptorMetrics(), new UptimeMetrics())) {
                binder.bindTo(b.metrics);
            }
            b.closeLater(new JvmGcMetrics()).bindTo(b.metrics);

            NixDatabase db = NixDatabase.open(config.storeRoot());
            b.index = new StoreIndexHolder(StoreIndex.empty());
            b.watcher = b.closeLater(new IndexWatcher(db, b.index));
            b.watcher.start();
            b.usage = b.closeLater(new UsageTracker(UsageDatabase.open(config.stateDir()), clock::millis,
                    UsageTracker.DEFAULT_FLUSH_MILLIS));

            StoreExportFileSystem fs = new StoreExportFileSystem(db.storeDirectory(), config.exportPath(), b.index,
                    config.cache());
            b.state = new StateManager(config.leaseSeconds(), System::nanoTime, config.security().stateLimits());
            NfsServices.Limits limits = NfsServices.Limits.defaults();
            NfsServices services = new NfsServices(fs, b.state,
                    new AttributeEncoder(config.exportPath(), config.leaseSeconds(), limits.maxRead()),
                    accessRecorder(b.usage, extraRecorder), limits, serverOwner());

            NixStoreCommand nix = new NixStoreCommand(config.storeRoot(), config.nixStore());
            StateManager state = b.state;
            UsageTracker usage = b.usage;
            StoreIndexHolder index = b.index;
            b.gc = new GcService(config.gcPolicy(), nix, new GcService.Facts(index::current, () -> lastUse(usage),
                    state::openStorePaths), new PinStore(config.stateDir()), clock, hashes -> forget(usage, hashes));
            b.gc.addListener(new GcMetrics(b.metrics, config.gcPolicy()));

            CompoundProcessor processor = new CompoundProcessor(services, new Operations(),
                    CompoundObserver.both(new NfsMetrics(b.metrics), extraObserver));
            ThreadPoolExecutor workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 60,
                    TimeUnit.SECONDS, new ArrayBlockingQueue<>(16_384), daemonThreads("nfs-worker"));
            b.closeLater(() -> {
                workers.shutdown();
                workers.awaitTermination(5, TimeUnit.SECONDS);
            });
            // Back-pressure per connection: at most 256 calls or 8 MiB of requests in flight.
            RpcDispatcher dispatcher = new RpcDispatcher(List.of(new Nfs4Program(processor)), workers, 256, 8 << 20);
            ClientGate gate = new ClientGate(security.allow(), security.requirePrivilegedPort(),
                    security.maxConnectionsPerClient());
            b.listener = b.closeLater(new NfsServer(config.listen(), dispatcher, gate,
                    new NfsServer.Options(config.ioThreads(), limits.maxRequestSize() + 4096, config.maxConnections(), 120,
                            security.stalledRecordTimeout(), security.idleTimeout())));

            NfsServer nfsListener = b.listener;
            ServerMetrics.bindNfsState(b.metrics, state, nfsListener::openConnections);
            ServerMetrics.bindConnectionRefusals(b.metrics, gate);
            ServerMetrics.bindStateLimits(b.metrics, security.stateLimits());
            ServerMetrics.bindCaches(b.metrics, fs.caches());
            ServerMetrics.bindStore(b.metrics, index, b.watcher, fs::fsStats);
            ServerMetrics.bindUsage(b.metrics, usage);

            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(daemonThreads("housekeeping"));
            b.closeLater(housekeeping::shutdownNow);
            housekeeping.scheduleWithFixedDelay(state::expireStaleClients, 1, 1, TimeUnit.SECONDS);
            if (!config.gcInterval().isZero()) {
                GcService gc = b.gc;
                housekeeping.scheduleWithFixedDelay(() -> {
                    FsStats s = fs.fsStats();
                    gc.collectIfLowOnSpace(s.total(), s.available());
                }, config.gcInterval().toMillis(), config.gcInterval().toMillis(), TimeUnit.MILLISECONDS);
            }
            if (config.adminListen() != null) {
                NfsServer listener = b.listener;
                PrometheusMeterRegistry registry = b.metrics;
                b.admin = b.closeLater(new AdminServer(config.adminListen(), new AdminApi(registry::scrape,
                        () -> index.current().size() > 0 || listener.localAddress() != null, index::current,
                        usage::snapshot, b.gc, adminToken)));
            }
            log.info("Serving {} ({} valid store paths) as {} on {} to {}{}", db.storeDirectory(),
                    b.index.current().size(), config.exportPath(), b.listener.localAddress(), security.allow(),
                    b.admin == null ? "" : "; admin on http://" + b.admin.localAddress().getHostString() + ":"
                            + b.admin.localAddress().getPort());
            return new NixnfsServer(b);
        } catch (Exception | Error e) {
            b.closeAll();
            throw e;
        }
    }

    private static AccessRecorder accessRecorder(UsageTracker usage, AccessRecorder extra) {
        if (extra == AccessRecorder.NONE) {
            return usage::record;
        }
        return (hash, client) -> {
            usage.record(hash, client);
            extra.accessed(hash, client);
        };
    }

    private static java.util.Map<String, Long> lastUse(UsageTracker usage) {
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        usage.snapshot().forEach((h, u) -> m.put(h, u.lastAccessMillis()));
        return m;
    }

    private static void forget(UsageTracker usage, List<String> hashes) {
        try {
            usage.forget(hashes);
        } catch (java.sql.SQLException e) {
            log.warn("could not forget usage of deleted paths: {}", e.getMessage());
        }
    }

    /** Identifies this server to 4.1 clients (server_owner, scope): the same for every restart on this host. */
    private static byte[] serverOwner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return ("nixnfs@" + host).getBytes(StandardCharsets.UTF_8);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public InetSocketAddress address() {
        return listener.localAddress();
    }

    /** The admin listener's address, if there is one. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.localAddress();
    }

    public StoreIndexHolder index() {
        return index;
    }

    public IndexWatcher watcher() {
        return watcher;
    }

    public StateManager state() {
        return state;
    }

    public UsageTracker usage() {
        return usage;
    }

    public GcService gc() {
        return gc;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    @Override
    public void close() {
        for (int i = closeInReverse.size() - 1; i >= 0; i--) {
            try {
                closeInReverse.get(i).close();
            } catch (Exception e) {
                log.warn("while shutting down: {}", e.toString());
            }
        }
    }
}
