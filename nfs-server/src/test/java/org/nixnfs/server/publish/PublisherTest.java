package org.nixnfs.server.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/** The publishing queue with a copier the test controls: order, retries, what is skipped. */
class PublisherTest {
    static final Duration RETRY = Duration.ofMillis(10);
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final BlockingQueue<StorePath> copied = new LinkedBlockingQueue<>();

    static ValidPath path(char c, String name, long registered) {
        return new ValidPath(new StorePath(String.valueOf(c).repeat(32), name), registered, 100, List.of());
    }

    StorePath nextCopied() throws InterruptedException {
        StorePath p = copied.poll(30, TimeUnit.SECONDS);
        if (p == null) {
            throw new AssertionError("nothing was published within 30 s");
        }
        return p;
    }

    double counter(String name) {
        return metrics.get(name).counter().count();
    }

    @Test
    void newPathsArePublishedInOrderOfRegistrationAndOldOnesNot() throws Exception {
        ValidPath old = path('0', "old", 1);
        ValidPath b = path('b', "b", 30);
        ValidPath a = path('a', "a", 20);
        ValidPath c = path('c', "c", 40);
        try (Publisher p = new Publisher(StoreIndex.of(List.of(old)), copied::add, RETRY, RETRY, metrics)) {
            p.indexChanged(StoreIndex.of(List.of(old, b, a)));
            p.indexChanged(StoreIndex.of(List.of(old, b, a, c)));
            assertEquals(List.of(a.path(), b.path(), c.path()), List.of(nextCopied(), nextCopied(), nextCopied()));
        }
        assertEquals(3, counter("nixnfs.publish.published.paths"));
    }

    @Test
    void pathsRegisteredInOneSecondArePublishedInTheirDatabaseOrder() throws Exception {
        StorePath reference = new StorePath("z".repeat(32), "lib");
        StorePath referrer = new StorePath("a".repeat(32), "app");
        ValidPath lib = new ValidPath(reference, 50, 100, List.of(), null, 7);
        ValidPath app = new ValidPath(referrer, 50, 100, List.of(reference), null, 8);
        try (Publisher p = new Publisher(StoreIndex.empty(), copied::add, RETRY, RETRY, metrics)) {
            p.indexChanged(StoreIndex.of(List.of(app, lib)));
            assertEquals(List.of(reference, referrer), List.of(nextCopied(), nextCopied()),
                    "the reference first, though its name sorts last");
        }
    }

    @Test
    void aFailedCopyIsRetriedAndHoldsUpTheRest() throws Exception {
        ValidPath first = path('a', "first", 1);
        ValidPath second = path('b', "second", 2);
        AtomicInteger attempts = new AtomicInteger();
        Publisher.Copier flaky = path -> {
            if (path.equals(first.path()) && attempts.incrementAndGet() <= 3) {
                throw new IOException("the cache is down");
            }
            copied.add(path);
        };
        Publisher p = new Publisher(StoreIndex.empty(), flaky, RETRY, Duration.ofMillis(40), metrics);
        try (p) {
            p.indexChanged(StoreIndex.of(List.of(first, second)));
            assertEquals(first.path(), nextCopied());
            assertEquals(second.path(), nextCopied());
        }
        assertEquals(0, p.backlog(), "close waited for the worker, which took the copied path off the backlog");
        assertEquals(3, counter("nixnfs.publish.failures"));
        assertEquals(2, counter("nixnfs.publish.published.paths"));
    }

    @Test
    void aPathDeletedBeforeItsTurnIsDropped() throws Exception {
        ValidPath gone = path('a', "gone", 1);
        ValidPath kept = path('b', "kept", 2);
        BlockingQueue<Boolean> release = new LinkedBlockingQueue<>();
        ValidPath blocker = path('0', "blocker", 0);
        Publisher.Copier waiting = path -> {
            if (path.equals(blocker.path())) {
                release.take();
            }
            copied.add(path);
        };
        try (Publisher p = new Publisher(StoreIndex.empty(), waiting, RETRY, RETRY, metrics)) {
            p.indexChanged(StoreIndex.of(List.of(blocker, gone, kept)));
            p.indexChanged(StoreIndex.of(List.of(blocker, kept))); // GC took "gone" while "blocker" was copied
            release.add(true);
            assertEquals(blocker.path(), nextCopied());
            assertEquals(kept.path(), nextCopied());
        }
    }
}
