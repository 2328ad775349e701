package org.nixnfs.server;

import io.micrometer.core.instrument.binder.MeterBinder;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.nixnfs.fetch.DaemonTrust;
import org.nixnfs.fetch.FetchMetrics;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.fetch.NixCommands;
import org.nixnfs.fetch.PathFetcher;
import org.nixnfs.gc.ColdTier;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcService;
import org.nixnfs.gc.NixStoreCommand;
import org.nixnfs.gc.PinStore;
import org.nixnfs.gc.Recallable;
import org.nixnfs.gc.Recovery;
import org.nixnfs.server.admin.AdminApi;
import org.nixnfs.server.admin.AdminServer;
import org.nixnfs.server.admin.AdminToken;
import org.nixnfs.server.metrics.GcMetrics;
import org.nixnfs.server.metrics.NfsMetrics;
import org.nixnfs.server.metrics.ServerMetrics;
import org.nixnfs.server.net.ClientGate;
import org.nixnfs.server.net.NfsServer;
import org.nixnfs.server.nfs4.AccessRecorder;
import org.nixnfs.server.nfs4.CallbackChannels;
import org.nixnfs.server.nfs4.CallbackClient;
import org.nixnfs.server.nfs4.CallbackConnector;
import org.nixnfs.server.nfs4.CompoundObserver;
import org.nixnfs.server.nfs4.DelegationRecalls;
import org.nixnfs.server.nfs4.RecallRound;
import org.nixnfs.server.nfs4.CompoundProcessor;
import org.nixnfs.server.nfs4.Nfs4Program;
import org.nixnfs.server.nfs4.NfsServices;
import org.nixnfs.server.nfs4.Operations;
import org.nixnfs.server.nfs4.attr.AttributeEncoder;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.publish.NixCopy;
import org.nixnfs.server.publish.Publisher;
import org.nixnfs.server.replica.UsagePuller;
import org.nixnfs.server.rpc.ReverseCalls;
import org.nixnfs.server.rpc.RpcDispatcher;
import org.nixnfs.server.vfs.CacheSettings;
import org.nixnfs.server.vfs.ExportFileSystem;
import org.nixnfs.server.vfs.FsStats;
import org.nixnfs.server.vfs.MissingPathFetcher;
import org.nixnfs.store.IndexWatcher;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.process.NixEnvironment;
import org.nixnfs.store.usage.UsageDatabase;
import org.nixnfs.store.usage.UsageTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server, assembled from its parts: the store index following the Nix database and
 * usage tracking; fault-in from binary caches; the export filesystem, NFSv4 state, the worker pool
 * and the NFS listener; GC; metrics; housekeeping; the admin listener. {@link #close()} takes
 * them down in reverse order.
 */
public final class NixnfsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NixnfsServer.class);

    /**
     * @param storeRoot      directory holding {@code nix/store} and {@code nix/var/nix/db}; "/" for the system store
     * @param exportPath     the path clients mount
     * @param listen         address and port of the NFS listener (port 0: any free port)
     * @param adminListen    address and port of the HTTP admin listener; null for none
     * @param stateDir       where persistent state goes (usage, pins)
     * @param leaseSeconds   NFSv4 lease time
     * @param workerThreads  threads running COMPOUNDs (they may wait for the disk)
     * @param ioThreads      Netty event loop threads
     * @param cache          bounds of the caches in front of the disk
     * @param maxConnections connections beyond this are closed at once
     * @param gcPolicy       what GC keeps
     * @param gcInterval     how often to check the disk watermarks; zero for never
     * @param nixStore       the nix-store executable GC deletes with
     * @param publish        where to publish newly registered paths (--publish-to); null for nowhere
     * @param usagePull      replicas whose usage to pull into this server's (--usage-from); null for none
     * @param faultIn        binary caches missing store paths are fetched from, the cold tier GC copies to (off: none)
     * @param security       who may connect and how much one client may hold
     * @param delegations    whether 4.1/4.2 OPENs get read delegations (where the client has a backchannel)
     */
    public record Config(Path storeRoot, String exportPath, InetSocketAddress listen, InetSocketAddress adminListen,
                         Path stateDir, int leaseSeconds, int workerThreads, int ioThreads, CacheSettings cache,
                         int maxConnections, GcPolicy gcPolicy, Duration gcInterval, String nixStore,
                         Publishing publish, UsagePull usagePull, FaultInConfig faultIn,
                         SecuritySettings security, boolean delegations) {
        /** The defaults for everything but where the store is, where to listen and where state goes. */
        public static Builder builder(Path storeRoot, InetSocketAddress listen, Path stateDir) {
            return new Builder(storeRoot, listen, stateDir);
        }

        /** A builder starting from this configuration. */
        public Builder toBuilder() {
            return new Builder(storeRoot, listen, stateDir).exportPath(exportPath).adminListen(adminListen)
                    .leaseSeconds(leaseSeconds).workerThreads(workerThreads).ioThreads(ioThreads).cache(cache)
                    .maxConnections(maxConnections).gc(gcPolicy, gcInterval).nixStore(nixStore).publish(publish).usagePull(usagePull)
                    .faultIn(faultIn).security(security).delegations(delegations);
        }

        /**
         * @param replicas  the replicas' admin base URLs
         * @param interval  how often to pull from them
         * @param tokenFile the replicas' admin token (their usage report needs it when they have one); null for none
         */
        public record UsagePull(List<URI> replicas, Duration interval, Path tokenFile) {
            public UsagePull(List<URI> replicas, Duration interval) {
                this(replicas, interval, null);
            }
        }

        /**
         * Publishing to a binary cache (org.nixnfs.server.publish.Publisher).
         * @param target     the cache's Nix store URL ({@code nix copy --to})
         * @param signingKey a Nix secret key file to sign with, or null (the paths' own signatures go along)
         * @param firstRetry the delay after a first failure; it doubles up to {@code maxRetry}
         */
        public record Publishing(String target, Path signingKey, Duration firstRetry, Duration maxRetry) {
            public static Publishing to(String target, Path signingKey) {
                return new Publishing(target, signingKey, Duration.ofSeconds(1), Duration.ofMinutes(5));
            }
        }

        /** Builds a {@link Config}; each setter overrides one default. */
        public static final class Builder {
            private final Path storeRoot;
            private final InetSocketAddress listen;
            private final Path stateDir;
            private String exportPath = StorePath.STORE_DIR;
            private InetSocketAddress adminListen;
            private int leaseSeconds = 90;
            private int workerThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
            private int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
            private CacheSettings cache = CacheSettings.defaults();
            private int maxConnections = 4096;
            private GcPolicy gcPolicy = GcPolicy.defaults();
            private Duration gcInterval = Duration.ofMinutes(10);
            private String nixStore = "nix-store";
            private Publishing publish;
            private UsagePull usagePull;
            private FaultInConfig faultIn = FaultInConfig.disabled();
            private SecuritySettings security = SecuritySettings.defaults();
            private boolean delegations = true;

            private Builder(Path storeRoot, InetSocketAddress listen, Path stateDir) {
                this.storeRoot = storeRoot;
                this.listen = listen;
                this.stateDir = stateDir;
            }

            public Builder exportPath(String p) {
                exportPath = p;
                return this;
            }

            /** null: no admin listener (the default). */
            public Builder adminListen(InetSocketAddress a) {
                adminListen = a;
                return this;
            }

            public Builder leaseSeconds(int s) {
                leaseSeconds = s;
                return this;
            }

            public Builder workerThreads(int n) {
                workerThreads = n;
                return this;
            }

            public Builder ioThreads(int n) {
                ioThreads = n;
                return this;
            }

            public Builder cache(CacheSettings c) {
                cache = c;
                return this;
            }

            public Builder maxConnections(int n) {
                maxConnections = n;
                return this;
            }

            public Builder gc(GcPolicy p, Duration interval) {
                gcPolicy = p;
                gcInterval = interval;
                return this;
            }

            public Builder nixStore(String executable) {
                nixStore = executable;
                return this;
            }

            public Builder publish(Publishing p) {
                publish = p;
                return this;
            }

            public Builder usagePull(UsagePull u) {
                usagePull = u;
                return this;
            }

            /** Fault-in and the cold tier; off by default. */
            public Builder faultIn(FaultInConfig f) {
                faultIn = f;
                return this;
            }

            public Builder security(SecuritySettings s) {
                security = s;
                return this;
            }

            /** Read delegations for 4.1/4.2 clients with a backchannel; on by default. */
            public Builder delegations(boolean on) {
                delegations = on;
                return this;
            }

            public Config build() {
                return new Config(storeRoot, exportPath, listen, adminListen, stateDir, leaseSeconds, workerThreads,
                        ioThreads, cache, maxConnections, gcPolicy, gcInterval, nixStore, publish, usagePull,
                        faultIn, security, delegations);
            }
        }
    }

    private final Parts parts;

    private NixnfsServer(Parts parts) {
        this.parts = parts;
    }

    /**
     * The parts as they are made. Each that needs closing is registered as it is made, so that a
     * failure half-way, and {@link #close()}, close exactly what was opened, in reverse order.
     */
    private static final class Parts implements AutoCloseable {
        private final List<AutoCloseable> closeables = new ArrayList<>();
        PrometheusMeterRegistry metrics;
        StoreIndexHolder index;
        IndexWatcher watcher;
        UsageTracker usage;
        PathFetcher fetcher;
        ExportFileSystem fs;
        StateManager state;
        ReverseCalls reverseCalls;
        CallbackConnector callbacks40;
        ClientGate gate;
        NfsServer listener;
        GcService gc;
        Recallable delegationRecalls;
        AdminServer admin;

        <T extends AutoCloseable> T closeLater(T c) {
            closeables.add(c);
            return c;
        }

        @Override
        public void close() {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception e) {
                    log.warn("while shutting down: {}", e.toString());
                }
            }
            closeables.clear();
        }
    }

    public static NixnfsServer start(Config config) throws Exception {
        return start(config, Clock.systemUTC());
    }

    /** @param clock the clock for access times and GC policy (tests move it) */
    public static NixnfsServer start(Config config, Clock clock) throws Exception {
        return start(config, clock, AccessRecorder.NONE, CompoundObserver.NONE, System::nanoTime);
    }

    /** With extra observers of accesses and operations beside the server's own (tests watch through them). */
    public static NixnfsServer start(Config config, AccessRecorder extraRecorder, CompoundObserver extraObserver)
            throws Exception {
        return start(config, Clock.systemUTC(), extraRecorder, extraObserver, System::nanoTime);
    }

    /** @param leaseNanoTime the monotonic clock NFSv4 leases run on (tests move it instead of waiting) */
    public static NixnfsServer start(Config config, LongSupplier leaseNanoTime) throws Exception {
        return start(config, Clock.systemUTC(), AccessRecorder.NONE, CompoundObserver.NONE, leaseNanoTime);
    }

    /** With a clock for access times and GC policy and one for NFSv4 leases: tests move both. */
    public static NixnfsServer start(Config config, Clock clock, LongSupplier leaseNanoTime) throws Exception {
        return start(config, clock, AccessRecorder.NONE, CompoundObserver.NONE, leaseNanoTime);
    }

    private static NixnfsServer start(Config config, Clock clock, AccessRecorder extraRecorder,
                                      CompoundObserver extraObserver, LongSupplier leaseNanoTime) throws Exception {
        AdminToken adminToken = adminToken(config);
        AdminToken replicaToken = config.usagePull() == null || config.usagePull().tokenFile() == null ? null
                : AdminToken.read(config.usagePull().tokenFile()); // a bad file fails here, before anything starts
        Parts p = new Parts();
        try {
            Files.createDirectories(config.stateDir());
            wireMetricsRegistry(p);
            NixDatabase db = wireStore(config, clock, p);
            wireFaultIn(config, p);
            wireNfs(config, db, extraRecorder, extraObserver, leaseNanoTime, p);
            wireGc(config, clock, p);
            wireMetrics(p);
            wirePublisher(config, p);
            wireHousekeeping(config, replicaToken, p);
            wireAdmin(config, adminToken, p);
            log.info("Serving {} ({} valid store paths) as {} on {} to {}{}", db.storeDirectory(),
                    p.index.current().size(), config.exportPath(), p.listener.localAddress(), config.security().allow(),
                    p.admin == null ? "" : "; admin on http://" + p.admin.localAddress().getHostString() + ":"
                            + p.admin.localAddress().getPort());
            return new NixnfsServer(p);
        } catch (Exception | Error e) {
            p.close();
            throw e;
        }
    }

    /**
     * The admin API's token, read before anything starts; a non-loopback admin listener without
     * one is refused here.
     */
    private static AdminToken adminToken(Config config) throws IOException {
        Path file = config.security().adminTokenFile();
        AdminToken token = file == null ? null : AdminToken.read(file);
        if (config.adminListen() != null) {
            AdminToken.checkListener(config.adminListen(), token);
        }
        return token;
    }

    /** The Prometheus registry, with the JVM's and the process's meters. */
    private static void wireMetricsRegistry(Parts p) {
        p.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        for (MeterBinder binder : List.of(new JvmMemoryMetrics(), new JvmThreadMetrics(), new ClassLoaderMetrics(),
                new ProcessorMetrics(), new FileDescriptorMetrics(), new UptimeMetrics())) {
            binder.bindTo(p.metrics);
        }
        p.closeLater(new JvmGcMetrics()).bindTo(p.metrics);
    }

    /** The store index, following the Nix database, and usage tracking. */
    private static NixDatabase wireStore(Config config, Clock clock, Parts p) throws Exception {
        NixDatabase db = NixDatabase.open(config.storeRoot());
        p.index = new StoreIndexHolder(StoreIndex.empty());
        p.watcher = p.closeLater(new IndexWatcher(db, p.index));
        p.watcher.start();
        p.usage = p.closeLater(new UsageTracker(UsageDatabase.open(config.stateDir()), clock::millis,
                UsageTracker.DEFAULT_FLUSH_MILLIS));
        return db;
    }

    /**
     * Fault-in, if configured: missing store paths fetched from binary caches through Nix (the
     * cold tier last); a fetched path counts as used now. The caches are checked (and the HTTP
     * client warmed) before the server answers.
     */
    private static void wireFaultIn(Config config, Parts p) throws IOException {
        if (!config.faultIn().enabled()) {
            return;
        }
        FetchSettings fetch = config.faultIn().effectiveFetch();
        UsageTracker usage = p.usage;
        StoreIndexHolder index = p.index;
        p.fetcher = p.closeLater(PathFetcher.create(fetch, new NixCommands(config.storeRoot(), config.nixStore(), "nix"),
                path -> index.current().contains(path), path -> usage.record(path.hashPart(), "fault-in"),
                new FetchMetrics(p.metrics)));
        log.info("fault-in from {} (closures up to {} bytes)", fetch.substituters(), fetch.maxFetchSize());
        ColdTier coldTier = config.faultIn().coldTier();
        if (coldTier != null) {
            try {
                coldTier.prepare(StorePath.STORE_DIR); // an empty tier is a cache too, not one that "does not answer"
            } catch (IOException e) {
                log.warn("cannot set up the cold tier {}: {} (GC cannot copy paths there)", coldTier.url(), e.toString());
            }
        }
        p.fetcher.narinfoLookup().checkCaches();
        warnIfTheDaemonIgnoresTheCaches(config, fetch);
    }

    /** The machine's own store is fetched into through the nix-daemon, which may ignore an untrusted user's caches. */
    private static void warnIfTheDaemonIgnoresTheCaches(Config config, FetchSettings fetch) {
        if (NixEnvironment.isChroot(config.storeRoot())) {
            return;
        }
        try {
            DaemonTrust.check(fetch.substituters(), fetch.trustedPublicKeys()).forEach(problem -> log.warn(
                    "{}: fault-in will fail; in nix.conf, list the cache in trusted-substituters and its key in "
                    + "trusted-public-keys, or add the user to trusted-users (README, \"Fault-in\")", problem));
        } catch (IOException e) {
            log.warn("cannot tell whether the nix-daemon trusts this user for fault-in: {}", e.getMessage());
        }
    }

    /**
     * The export filesystem, NFSv4 state (within its limits) and operations, the worker pool, and
     * the NFS listener behind the client gate.
     */
    private static void wireNfs(Config config, NixDatabase db, AccessRecorder extraRecorder,
                                CompoundObserver extraObserver, LongSupplier leaseNanoTime, Parts p) throws Exception {
        p.fs = new ExportFileSystem(db.storeDirectory(), config.exportPath(), p.index, config.cache(),
                p.fetcher == null ? MissingPathFetcher.NONE : missingPathFetcher(p.fetcher));
        SecuritySettings security = config.security();
        p.state = new StateManager(config.leaseSeconds(), leaseNanoTime, security.stateLimits());
        NfsServices.Limits limits = NfsServices.Limits.defaults();
        // NFSv4.0 callbacks: connections to the clients, made only where delegations may follow.
        p.callbacks40 = config.delegations()
                ? p.closeLater(new CallbackConnector(Duration.ofSeconds(5), Duration.ofSeconds(10))) : null;
        NfsServices services = new NfsServices(p.fs, p.state,
                new AttributeEncoder(config.exportPath(), config.leaseSeconds(), limits.maxRead()),
                notWhileRecalling(p.state, accessRecorder(p.usage, extraRecorder)), limits, serverOwner(),
                config.delegations(), p.callbacks40);
        p.reverseCalls = new ReverseCalls();
        CompoundProcessor processor = new CompoundProcessor(services, new Operations(),
                CompoundObserver.both(new NfsMetrics(p.metrics), extraObserver));
        ThreadPoolExecutor workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(16_384), daemonThreads("nfs-worker"));
        p.closeLater(() -> {
            workers.shutdown();
            workers.awaitTermination(5, TimeUnit.SECONDS);
        });
        // Back-pressure per connection: at most 256 calls or 8 MiB of requests in flight.
        RpcDispatcher dispatcher = new RpcDispatcher(List.of(new Nfs4Program(processor)), workers, 256, 8 << 20);
        p.gate = new ClientGate(security.allow(), security.requirePrivilegedPort(), security.maxConnectionsPerClient());
        p.listener = p.closeLater(new NfsServer(config.listen(), dispatcher, p.reverseCalls, p.gate,
                new NfsServer.Options(config.ioThreads(), limits.maxRequestSize() + 4096, config.maxConnections(),
                        security.replyTimeout(), security.stalledRecordTimeout(), security.idleTimeout())));
    }

    /**
     * GC, with the facts only the running server knows: the index, last uses, files open on
     * executors. With fault-in, GC deletes only what can come back (a substituter has it, or it
     * is copied to the cold tier first).
     */
    private static void wireGc(Config config, Clock clock, Parts p) throws IOException {
        StoreIndexHolder index = p.index;
        UsageTracker usage = p.usage;
        StateManager state = p.state;
        Recovery recovery = p.fetcher == null ? null : gcRecovery(config, p.fetcher, p);
        // A delegated path is live until GC recalls its delegations, which it does just before deleting it.
        Recallable delegations = p.delegationRecalls = config.delegations() ? new DelegationRecalls(state,
                CallbackChannels.byVersion(state, new CallbackClient(p.reverseCalls, Duration.ofSeconds(10)),
                        p.callbacks40), recallScheduler(p), recallWait(config.leaseSeconds()))
                : Recallable.NONE;
        p.gc = new GcService(config.gcPolicy(), new NixStoreCommand(config.storeRoot(), config.nixStore()),
                new GcService.Facts(index::current, () -> lastUse(usage), state::openStorePaths, delegations),
                new PinStore(config.stateDir()), clock, hashes -> forget(usage, hashes), recovery);
        p.gc.addListener(new GcMetrics(p.metrics, config.gcPolicy()));
    }

    /** Where recalls that did not get through wait for their next try. */
    private static RecallRound.Scheduler recallScheduler(Parts p) {
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(daemonThreads("recall-retry"));
        p.closeLater(retries::shutdownNow);
        return (task, delayNanos) -> {
            try {
                retries.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // shutting down: the housekeeping would revoke at lease end anyway
            }
        };
    }

    /**
     * How long GC waits for recalled delegations: past the lease, after which the housekeeping
     * (every second) revokes those not returned, so that the wait ends with the path free.
     */
    static Duration recallWait(int leaseSeconds) {
        return Duration.ofSeconds(leaseSeconds + 5L);
    }

    /** GC's recoverability check, with its own narinfo lookup (its own limits, its own threads). */
    private static Recovery gcRecovery(Config config, PathFetcher fetcher, Parts p) {
        ExecutorService io = Executors.newFixedThreadPool(2, daemonThreads("gc-narinfo"));
        p.closeLater(io::shutdownNow);
        NixCommands nix = new NixCommands(config.storeRoot(), config.nixStore(), "nix");
        return Recovery.forCaches(fetcher.settings(), config.faultIn().coldTier(), nix, new FetchMetrics(p.metrics), io,
                path -> fetcher.narinfoLookup().forget(path.hashPart()));
    }

    /** The store directory's view of the fetcher: DELAY while fetching; held LOOKUPs wait for the fetch. */
    private static MissingPathFetcher missingPathFetcher(PathFetcher fetcher) {
        return new MissingPathFetcher() {
            @Override
            public boolean fetching(StorePath path) {
                return fetcher.request(path) == PathFetcher.State.FETCHING;
            }

            @Override
            public boolean awaitFetched(StorePath path) {
                return fetcher.awaitFetched(path);
            }

            @Override
            public boolean holds() {
                return !fetcher.settings().hold().isZero();
            }

            @Override
            public Duration absenceRemembered() {
                return fetcher.settings().negativeTtl();
            }
        };
    }

    /** The server's own meters: NFS state and connections, refusals, caches, the store, usage. */
    private static void wireMetrics(Parts p) {
        NfsServer listener = p.listener;
        ServerMetrics.bindNfsState(p.metrics, p.state, listener::openConnections);
        ServerMetrics.bindConnectionRefusals(p.metrics, p.gate);
        ServerMetrics.bindStateLimits(p.metrics, p.state.limits());
        ServerMetrics.bindDelegations(p.metrics, p.state.delegations());
        ServerMetrics.bindCaches(p.metrics, p.fs.caches());
        ServerMetrics.bindStore(p.metrics, p.index, p.watcher, p.fs::fsStats);
        ServerMetrics.bindUsage(p.metrics, p.usage);
    }

    /** With --publish-to: every path registered from now on goes to the binary cache. */
    private static void wirePublisher(Config config, Parts p) {
        Config.Publishing publish = config.publish();
        if (publish == null) {
            return;
        }
        String nix = Path.of(config.nixStore()).resolveSibling("nix").toString();
        Publisher publisher = p.closeLater(new Publisher(p.index.current(),
                new NixCopy(config.storeRoot(), publish.target(), publish.signingKey(), nix),
                publish.firstRetry(), publish.maxRetry(), p.metrics));
        p.index.addListener(publisher::indexChanged);
        publisher.indexChanged(p.index.current()); // a change between the baseline and the listener
        log.info("Publishing newly registered paths to {}", publish.target());
    }

    /**
     * Periodic work on one thread: expiring clients whose lease ran out, GC when space runs low;
     * with --usage-from, pulling the replicas' usage on another.
     */
    private static void wireHousekeeping(Config config, AdminToken replicaToken, Parts p) {
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(daemonThreads("housekeeping"));
        p.closeLater(housekeeping::shutdownNow);
        housekeeping.scheduleWithFixedDelay(p.state::expireStaleClients, 1, 1, TimeUnit.SECONDS);
        if (config.usagePull() != null) { // on a thread of its own: a slow replica must not hold up lease expiry
            UsagePuller puller = new UsagePuller(config.usagePull().replicas(), replicaToken, p.usage, p.metrics);
            ScheduledExecutorService pulls = Executors.newSingleThreadScheduledExecutor(daemonThreads("usage-pull"));
            p.closeLater(pulls::shutdownNow);
            long millis = config.usagePull().interval().toMillis();
            pulls.scheduleWithFixedDelay(puller::pullAll, millis, millis, TimeUnit.MILLISECONDS);
        }
        if (!config.gcInterval().isZero()) {
            ExportFileSystem fs = p.fs;
            GcService gc = p.gc;
            long millis = config.gcInterval().toMillis();
            housekeeping.scheduleWithFixedDelay(() -> {
                FsStats s = fs.fsStats();
                gc.collectIfLowOnSpace(s.total(), s.available());
            }, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** The HTTP admin listener, if configured: metrics, health, readiness and the JSON API. */
    private static void wireAdmin(Config config, AdminToken token, Parts p) throws Exception {
        if (config.adminListen() == null) {
            return;
        }
        StoreIndexHolder index = p.index;
        NfsServer listener = p.listener;
        PrometheusMeterRegistry registry = p.metrics;
        p.admin = p.closeLater(new AdminServer(config.adminListen(), new AdminApi(registry::scrape,
                () -> index.current().size() > 0 || listener.localAddress() != null, index::current,
                p.usage::snapshot, p.gc, token)));
    }

    /**
     * Uses of a path whose delegations GC is recalling are not recorded: the clients' DELEGRETURNs
     * (PUTFH of a file in it) would otherwise make the path used again and stop the deletion. A
     * client that still needs the file opens it first (CLAIM_DELEG_CUR_FH), which keeps the path.
     */
    private static AccessRecorder notWhileRecalling(StateManager state, AccessRecorder recorder) {
        return (hash, client) -> {
            if (!state.delegations().recalling(hash)) {
                recorder.accessed(hash, client);
            }
        };
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

    private static Map<String, Long> lastUse(UsageTracker usage) {
        Map<String, Long> m = new HashMap<>();
        usage.snapshot().forEach((h, u) -> m.put(h, u.lastAccessMillis()));
        return m;
    }

    private static void forget(UsageTracker usage, List<String> hashes) {
        try {
            usage.forget(hashes);
        } catch (SQLException e) {
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
        return parts.listener.localAddress();
    }

    /** The admin listener's address, if there is one. */
    public InetSocketAddress adminAddress() {
        return parts.admin == null ? null : parts.admin.localAddress();
    }

    public StoreIndexHolder index() {
        return parts.index;
    }

    public StateManager state() {
        return parts.state;
    }

    public UsageTracker usage() {
        return parts.usage;
    }

    /** What GC uses to recall the delegations on paths it is about to delete. */
    public Recallable delegationRecalls() {
        return parts.delegationRecalls;
    }

    public GcService gc() {
        return parts.gc;
    }

    /** The server's meters, as /metrics shows them (tests read fault-in's meters and refusal counters here). */
    public PrometheusMeterRegistry metrics() {
        return parts.metrics;
    }

    @Override
    public void close() {
        parts.close();
    }
}
