package org.nixnfs.server.rpc;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;

/**
 * Warnings about what clients do, at most one line per {@link #INTERVAL_NANOS} for each kind: a
 * client can send a malformed call on every request, or open connections only to break them, and
 * one line each would let it flood the log. The next line says how many were left out.
 */
public final class ThrottledWarnings {
    public static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private final Logger log;
    private final String what;
    private final LongSupplier nanoTime;
    private final AtomicLong nextNanos;
    private final AtomicLong leftOut = new AtomicLong();

    /** @param what the kind, plural, for the count of lines left out: "malformed calls" */
    public ThrottledWarnings(Logger log, String what) {
        this(log, what, System::nanoTime);
    }

    public ThrottledWarnings(Logger log, String what, LongSupplier nanoTime) {
        this.log = log;
        this.what = what;
        this.nanoTime = nanoTime;
        this.nextNanos = new AtomicLong(nanoTime.getAsLong());
    }

    /**
     * A warning in slf4j's format, formatted only if it is logged; a Throwable after the
     * arguments is logged with its stack trace, as slf4j does.
     */
    public void warn(String format, Object... args) {
        long now = nanoTime.getAsLong();
        long next = nextNanos.get();
        if (now - next < 0 || !nextNanos.compareAndSet(next, now + INTERVAL_NANOS)) {
            leftOut.incrementAndGet();
            return;
        }
        FormattingTuple formatted = MessageFormatter.arrayFormat(format, args);
        long others = leftOut.getAndSet(0);
        String line = others == 0 ? formatted.getMessage()
                : formatted.getMessage() + " (and " + others + " more " + what + " since the last such line)";
        if (formatted.getThrowable() == null) {
            log.warn(line);
        } else {
            log.warn(line, formatted.getThrowable());
        }
    }
}
