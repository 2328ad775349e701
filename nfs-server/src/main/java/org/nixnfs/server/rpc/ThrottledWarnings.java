package org.nixnfs.server.rpc;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * Warnings about what clients sent, at most one line per {@link #INTERVAL_NANOS}: a client can
 * send a malformed call on every request, and one line each would let it flood the log. The next
 * line says how many were left out. (The same rule as the connection refusals of net/ClientGate.)
 */
final class ThrottledWarnings {
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private final Logger log;
    private final LongSupplier nanoTime;
    private final AtomicLong nextNanos;
    private final AtomicLong leftOut = new AtomicLong();

    ThrottledWarnings(Logger log, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
        this.nextNanos = new AtomicLong(nanoTime.getAsLong());
    }

    /** A warning in slf4j's format; it is formatted only if it is logged. */
    void warn(String format, Object... args) {
        long now = nanoTime.getAsLong();
        long next = nextNanos.get();
        if (now - next < 0 || !nextNanos.compareAndSet(next, now + INTERVAL_NANOS)) {
            leftOut.incrementAndGet();
            return;
        }
        String line = MessageFormatter.basicArrayFormat(format, args);
        long others = leftOut.getAndSet(0);
        log.warn(others == 0 ? line : line + " (and " + others + " more malformed calls since the last such line)");
    }
}
