package org.nixnfs.server.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every store path newly registered on this server (the primary) to a binary cache, one
 * at a time in order of registration, so that replicas can fetch it from there. A failed copy is
 * retried, with a delay doubling from {@code firstRetry} up to {@code maxRetry}, until it succeeds;
 * later paths wait behind it (a path's references were registered before it, so they are
 * published first). A path deleted from the store before its turn is dropped. Paths the store held
 * when the server started count as published already (nixnfs does not know which were).
 *
 * <p>Meters: {@code nixnfs_publish_backlog_paths}, {@code nixnfs_publish_published_paths_total},
 * {@code nixnfs_publish_failures_total}.
 */
public final class Publisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);

    /** Copies one store path (with what it references) to the cache; throws when it did not. */
    public interface Copier {
        void copy(StorePath path) throws Exception;
    }

    private final Copier copier;
    private final Duration firstRetry;
    private final Duration maxRetry;
    private final Deque<StorePath> backlog = new ArrayDeque<>();
    private final Counter published;
    private final Counter failures;
    private final Thread worker;
    private StoreIndex current;
    private boolean closed;

    /** @param baseline the index when publishing starts: its paths are not published */
    public Publisher(StoreIndex baseline, Copier copier, Duration firstRetry, Duration maxRetry, MeterRegistry r) {
        this.current = baseline;
        this.copier = copier;
        this.firstRetry = firstRetry;
        this.maxRetry = maxRetry;
        Gauge.builder("nixnfs.publish.backlog.paths", this, Publisher::backlog)
                .description("Store paths registered here and not yet published to the binary cache (--publish-to)")
                .strongReference(true).register(r);
        this.published = Counter.builder("nixnfs.publish.published.paths")
                .description("Store paths published to the binary cache").register(r);
        this.failures = Counter.builder("nixnfs.publish.failures")
                .description("Failed attempts to publish a path (each is retried)").register(r);
        this.worker = new Thread(this::run, "publisher");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** An index listener: queues the paths {@code next} has and the last index had not, oldest first. */
    public synchronized void indexChanged(StoreIndex next) {
        List<ValidPath> added = new ArrayList<>();
        for (ValidPath p : next.paths()) {
            if (!current.contains(p.path())) {
                added.add(p);
            }
        }
        current = next;
        // Registration order: Nix's row ids where there are, which also order paths registered in one second.
        added.sort(Comparator.comparingLong(ValidPath::registrationTime).thenComparingLong(ValidPath::registrationId)
                .thenComparing(ValidPath::path));
        for (ValidPath p : added) {
            backlog.addLast(p.path());
        }
        if (!added.isEmpty()) {
            notifyAll();
        }
    }

    /** Paths waiting to be published, the one being copied included. */
    public synchronized int backlog() {
        return backlog.size();
    }

    private void run() {
        Duration delay = firstRetry;
        while (true) {
            StorePath next;
            synchronized (this) {
                while (!closed && backlog.isEmpty()) {
                    waitQuietly(0);
                }
                if (closed) {
                    return;
                }
                next = backlog.peekFirst();
                if (!current.contains(next)) {
                    log.info("not publishing {}: it was deleted from the store first", next);
                    backlog.removeFirst();
                    continue;
                }
            }
            try {
                copier.copy(next);
                published.increment();
                delay = firstRetry;
                synchronized (this) {
                    backlog.removeFirst();
                }
            } catch (Exception e) {
                failures.increment();
                log.warn("publishing {} failed ({} paths waiting), retrying in {}: {}", next, backlog(), delay,
                        e.getMessage());
                synchronized (this) {
                    if (!closed) {
                        waitQuietly(delay.toMillis());
                    }
                }
                delay = delay.multipliedBy(2).compareTo(maxRetry) > 0 ? maxRetry : delay.multipliedBy(2);
            }
        }
    }

    private void waitQuietly(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            closed = true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        worker.interrupt(); // ends a copy in progress (NixCopy kills nix)
        worker.join(10_000);
    }
}
