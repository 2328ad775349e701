package org.nixnfs.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * filesystem over it, NFSv4 state, the worker pool and the TCP listener.
 */
public final class NixnfsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NixnfsServer.class);

    /**
     * @param storeRoot     directory holding {@code nix/store} and {@code nix/var/nix/db}; "/" for the system store
     * @param exportPath    the path clients mount
     * @param listen        address and port of the NFS listener (port 0: any free port)
     * @param stateDir      where persistent state goes
     * @param leaseSeconds  NFSv4 lease time
     * @param workerThreads threads running COMPOUNDs (they may wait for the disk)
     * @param ioThreads     Netty event loop threads
     */
    public record Config(Path storeRoot, String exportPath, InetSocketAddress listen, Path stateDir, int leaseSeconds,
                         int workerThreads, int ioThreads, CacheSettings cache, int maxConnections) {
        public static Config defaults(Path storeRoot, InetSocketAddress listen, Path stateDir) {
            int cores = Runtime.getRuntime().availableProcessors();
            return new Config(storeRoot, "/nix/store", listen, stateDir, 90, Math.max(8, 4 * cores),
                    Math.max(2, cores), CacheSettings.defaults(), 4096);
        }

        public Config withExportPath(String p) {
            return new Config(storeRoot, p, listen, stateDir, leaseSeconds, workerThreads, ioThreads, cache, maxConnections);
        }

        public Config withLeaseSeconds(int s) {
            return new Config(storeRoot, exportPath, listen, stateDir, s, workerThreads, ioThreads, cache, maxConnections);
        }
    }

    private final Config config;
    private final StoreIndexHolder index;
    private final IndexWatcher watcher;
    private final UsageTracker usage;
    private final StateManager state;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService housekeeping;
    private final NfsServer listener;

    private NixnfsServer(Config config, StoreIndexHolder index, IndexWatcher watcher, UsageTracker usage,
                         StateManager state, ThreadPoolExecutor workers, ScheduledExecutorService housekeeping,
                         NfsServer listener) {
        this.config = config;
        this.index = index;
        this.watcher = watcher;
        this.usage = usage;
        this.state = state;
        this.workers = workers;
        this.housekeeping = housekeeping;
        this.listener = listener;
    }

    public static NixnfsServer start(Config config) throws Exception {
        return start(config, System::currentTimeMillis, CompoundObserver.NONE);
    }

    /**
     * @param clockMillis the clock usage tracking records access times with (tests move it)
     */
    public static NixnfsServer start(Config config, java.util.function.LongSupplier clockMillis,
                                     CompoundObserver observer) throws Exception {
        Files.createDirectories(config.stateDir());
        NixDatabase db = NixDatabase.open(config.storeRoot());
        StoreIndexHolder index = new StoreIndexHolder(StoreIndex.empty());
        IndexWatcher watcher = new IndexWatcher(db, index);
        watcher.start();
        ThreadPoolExecutor workers = null;
        ScheduledExecutorService housekeeping = null;
        UsageTracker usage = null;
        try {
            usage = new UsageTracker(UsageDatabase.open(config.stateDir()), clockMillis,
                    UsageTracker.DEFAULT_FLUSH_MILLIS);
            AccessRecorder accessRecorder = usage::record;
            StoreExportFileSystem fs = new StoreExportFileSystem(db.storeDirectory(), config.exportPath(), index,
                    config.cache());
            StateManager state = new StateManager(config.leaseSeconds(), System::nanoTime);
            NfsServices.Limits limits = NfsServices.Limits.defaults();
            NfsServices services = new NfsServices(fs, state,
                    new AttributeEncoder(config.exportPath(), config.leaseSeconds(), limits.maxRead()),
                    accessRecorder, limits, serverOwner());
            CompoundProcessor processor = new CompoundProcessor(services, new Operations(), observer);
            workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(16_384), daemonThreads("nfs-worker"));
            RpcDispatcher dispatcher = new RpcDispatcher(List.of(new Nfs4Program(processor)), workers, 256);
            NfsServer listener = new NfsServer(config.listen(), dispatcher,
                    new NfsServer.Options(config.ioThreads(), limits.maxRequestSize() + 4096, config.maxConnections(), 120));
            housekeeping = Executors.newSingleThreadScheduledExecutor(daemonThreads("nfs-leases"));
            housekeeping.scheduleWithFixedDelay(state::expireStaleClients, 1, 1, TimeUnit.SECONDS);
            log.info("Serving {} ({} valid store paths) as {} on {}", db.storeDirectory(), index.current().size(),
                    config.exportPath(), listener.localAddress());
            return new NixnfsServer(config, index, watcher, usage, state, workers, housekeeping, listener);
        } catch (Exception | Error e) {
            watcher.close();
            if (usage != null) {
                usage.close();
            }
            if (workers != null) {
                workers.shutdownNow();
            }
            if (housekeeping != null) {
                housekeeping.shutdownNow();
            }
            throw e;
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

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
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

    public Config config() {
        return config;
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

    @Override
    public void close() {
        listener.close();
        housekeeping.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watcher.close();
        usage.close();
    }
}
