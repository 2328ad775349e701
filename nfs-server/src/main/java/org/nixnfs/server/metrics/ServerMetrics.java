package org.nixnfs.server.metrics;

import com.github.benmanes.caffeine.cache.Cache;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.nixnfs.server.net.ClientGate;
import org.nixnfs.server.nfs4.state.DelegationTable;
import org.nixnfs.server.nfs4.state.StateLimits;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.vfs.FsStats;
import org.nixnfs.store.IndexWatcher;
import org.nixnfs.store.IndexWatcherStatus;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.usage.UsageTracker;

/**
 * The server's gauges and counters beside the per-operation ones ({@link NfsMetrics}) and GC's
 * ({@link GcMetrics}). Everything here is read when Prometheus scrapes, from state the server
 * keeps anyway: nothing is added to the request path. Gauges hold their sources strongly (they
 * are often method references nothing else keeps). Names follow Prometheus conventions
 * (Micrometer appends the unit and {@code _total}); see README, "Operating nixnfs".
 */
public final class ServerMetrics {
    private ServerMetrics() {
    }

    /** NFSv4 state: {@code nixnfs_nfs_clients}, {@code _sessions}, {@code _open_files}, {@code _connections}. */
    public static void bindNfsState(MeterRegistry r, StateManager state, IntSupplier connections) {
        Gauge.builder("nixnfs.nfs.clients", state, StateManager::clientCount)
                .description("Confirmed NFSv4 clients holding a lease").strongReference(true).register(r);
        Gauge.builder("nixnfs.nfs.sessions", state, StateManager::sessionCount)
                .description("NFSv4.1+ sessions").strongReference(true).register(r);
        Gauge.builder("nixnfs.nfs.open.files", state, StateManager::openCount)
                .description("Files open on clients (NFSv4 open states)").strongReference(true).register(r);
        Gauge.builder("nixnfs.nfs.connections", connections, IntSupplier::getAsInt)
                .description("Open TCP connections to the NFS listener").strongReference(true).register(r);
    }

    /**
     * {@code nixnfs_nfs_delegations}: read delegations held (revoked ones not freed yet included);
     * {@code nixnfs_nfs_delegation_recalls_total{outcome}}: delegations GC recalled, by outcome:
     * returned (DELEGRETURN), not_held (the client answered the recall with NFS4ERR_BADHANDLE: it had
     * none) or revoked (not returned within a lease).
     */
    public static void bindDelegations(MeterRegistry r, DelegationTable delegations) {
        Gauge.builder("nixnfs.nfs.delegations", delegations, DelegationTable::count)
                .description("Read delegations clients hold").strongReference(true).register(r);
        FunctionCounter.builder("nixnfs.nfs.delegation.recalls", delegations, DelegationTable::recallsReturned)
                .description("Delegations recalled before GC deleted their path, by outcome")
                .tag("outcome", "returned").register(r);
        FunctionCounter.builder("nixnfs.nfs.delegation.recalls", delegations, DelegationTable::recallsRevoked)
                .description("Delegations recalled before GC deleted their path, by outcome")
                .tag("outcome", "revoked").register(r);
        FunctionCounter.builder("nixnfs.nfs.delegation.recalls", delegations, DelegationTable::recallsNotHeld)
                .description("Delegations recalled before GC deleted their path, by outcome")
                .tag("outcome", "not_held").register(r);
    }

    /** {@code nixnfs_nfs_connections_refused_total{reason}}: connections closed at accept, by {@link ClientGate.Refusal}. */
    public static void bindConnectionRefusals(MeterRegistry r, ClientGate gate) {
        for (ClientGate.Refusal reason : ClientGate.Refusal.values()) {
            FunctionCounter.builder("nixnfs.nfs.connections.refused", gate, g -> g.refused(reason))
                    .description("Connections closed as they were accepted, before a byte was read")
                    .tag("reason", reason.tag).register(r);
        }
    }

    /** {@code nixnfs_nfs_state_refusals_total}: requests refused because a {@link StateLimits} limit was reached. */
    public static void bindStateLimits(MeterRegistry r, StateLimits limits) {
        FunctionCounter.builder("nixnfs.nfs.state.refusals", limits, StateLimits::refused)
                .description("Requests refused (NFS4ERR_RESOURCE or NFS4ERR_DELAY) because a client or the server "
                        + "holds as much NFSv4 state as allowed").register(r);
    }

    /**
     * Caffeine's statistics per cache, tagged {@code cache=<name>}: {@code cache_gets_total}
     * (result=hit|miss), {@code cache_evictions_total}, {@code cache_size} and the rest of
     * Micrometer's cache binder.
     */
    public static void bindCaches(MeterRegistry r, Map<String, Cache<?, ?>> caches) {
        caches.forEach((name, cache) -> CaffeineCacheMetrics.monitor(r, cache, name, Tags.empty()));
    }

    /**
     * The store: index size, the filesystem holding it, and how the index follows the Nix
     * database, including a histogram of the visibility lag (registration → exported), recorded
     * for every index change after {@code watcher} has made its first load.
     */
    public static void bindStore(MeterRegistry r, StoreIndexHolder index, IndexWatcher watcher, Supplier<FsStats> fs) {
        Gauge.builder("nixnfs.index.paths", index, i -> i.current().size())
                .description("Valid store paths exported").strongReference(true).register(r);
        Gauge.builder("nixnfs.index.nar.size", index, i -> i.current().totalNarSize()).baseUnit("bytes")
                .description("Sum of the NAR sizes of the exported store paths").strongReference(true).register(r);

        Gauge.builder("nixnfs.store.filesystem.size", fs, f -> f.get().total()).baseUnit("bytes")
                .description("Size of the filesystem holding the store").strongReference(true).register(r);
        Gauge.builder("nixnfs.store.filesystem.free", fs, f -> f.get().free()).baseUnit("bytes")
                .description("Free space on the filesystem holding the store (root's reserve included)").strongReference(true).register(r);
        Gauge.builder("nixnfs.store.filesystem.available", fs, f -> f.get().available()).baseUnit("bytes")
                .description("Space available to unprivileged users on the filesystem holding the store "
                        + "(what the GC watermarks compare against)").strongReference(true).register(r);

        FunctionCounter.builder("nixnfs.index.refreshes", watcher, w -> w.status().refreshes())
                .description("Successful checks of the Nix database for commits (every poll and change notification), "
                        + "changed or not").register(r);
        FunctionCounter.builder("nixnfs.index.refresh.failures", watcher, w -> w.status().failures())
                .description("Failed reads of the Nix database (the last good index keeps being served)").register(r);
        Gauge.builder("nixnfs.index.consecutive.failures", watcher, w -> w.status().consecutiveFailures())
                .description("Failed reads since the last success; 0 when healthy").register(r);
        TimeGauge.builder("nixnfs.index.staleness", watcher, TimeUnit.MILLISECONDS,
                        w -> w.status().staleness(Instant.now()).toMillis())
                .description("Refresh lag: how long the served index may have been behind the database "
                        + "(0 while reads succeed, else time since the first failure of the streak)").strongReference(true).register(r);
        TimeGauge.builder("nixnfs.index.last.refresh.duration", watcher, TimeUnit.NANOSECONDS,
                        w -> w.status().lastRefreshDuration().toNanos())
                .description("How long the last successful read of changes from the database took").strongReference(true).register(r);
        Gauge.builder("nixnfs.index.last.success.timestamp", watcher,
                        w -> w.status().lastSuccess().toEpochMilli() / 1000.0).baseUnit("seconds")
                .description("When the database was last checked successfully (Unix time); checks happen at every "
                        + "change notification and at least every poll interval (500 ms)").register(r);
        TimeGauge.builder("nixnfs.index.last.visibility.lag", watcher, TimeUnit.NANOSECONDS,
                        w -> w.status().lastVisibilityLag().map(Duration::toNanos).orElse(0L))
                .description("For the last index change: from the database commit (the newest file time seen "
                        + "when the read began) to the new index being served").strongReference(true).register(r);
        Gauge.builder("nixnfs.index.file.watch.active", watcher, w -> w.status().fileWatchActive() ? 1 : 0)
                .description("1 when database changes are noticed through inotify, 0 when only by polling").strongReference(true).register(r);

        Timer visibility = Timer.builder("nixnfs.index.visibility.lag")
                .description("From a change to the Nix database (a registration or deletion commit) to the "
                        + "new index being exported, per index change")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(r);
        index.addListener(next -> {
            IndexWatcherStatus s = watcher.status(); // published before the swap, so it matches this change
            s.lastVisibilityLag().ifPresent(lag -> visibility.record(lag.isNegative() ? Duration.ZERO : lag));
        });
    }

    /** Usage tracking: {@code nixnfs_usage_tracked_paths}, {@code nixnfs_usage_flush_failing}. */
    public static void bindUsage(MeterRegistry r, UsageTracker usage) {
        Gauge.builder("nixnfs.usage.tracked.paths", usage, UsageTracker::trackedPaths)
                .description("Store paths with a recorded access").strongReference(true).register(r);
        Gauge.builder("nixnfs.usage.flush.failing", usage, u -> u.lastFlushError().isPresent() ? 1 : 0)
                .description("1 while saving access times to the state directory fails (they are kept in memory "
                        + "and retried every 5 s), else 0").strongReference(true).register(r);
    }
}
