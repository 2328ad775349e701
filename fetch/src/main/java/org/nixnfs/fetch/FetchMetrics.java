package org.nixnfs.fetch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Fault-in metrics: narinfo lookups by result, fetches by outcome, bytes fetched, fetch durations.
 * Every result and outcome is registered at 0 up front: a counter that first appears at 1 makes
 * Prometheus' {@code increase()} and {@code rate()} miss that first event (the dashboard showed no
 * fetch after one).
 */
public final class FetchMetrics {
    private final MeterRegistry registry;
    private final Counter bytes;
    private final Timer duration;

    public FetchMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.bytes = Counter.builder("nixnfs.fetch.bytes").baseUnit("bytes")
                .description("NAR bytes fetched from binary caches (of each closure, what the store lacked)").register(registry);
        this.duration = Timer.builder("nixnfs.fetch.duration").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(10))
                .description("How long fetches from binary caches took (any outcome)").register(registry);
        for (NarinfoAnswer.Result r : NarinfoAnswer.Result.values()) {
            lookups(r.label());
        }
        lookups(MISMATCH);
        for (PathFetcher.Outcome o : PathFetcher.Outcome.values()) {
            fetches(o);
        }
    }

    /** The narinfo result of a narinfo that describes another path than the one asked for. */
    static final String MISMATCH = "mismatch";

    private Counter lookups(String result) {
        return Counter.builder("nixnfs.fetch.narinfo.lookups").tag("result", result)
                .description("narinfo lookups in binary caches by result (found, absent, mismatch, error, throttled)")
                .register(registry);
    }

    private Counter fetches(PathFetcher.Outcome outcome) {
        return Counter.builder("nixnfs.fetch.fetches").tag("outcome", outcome.label())
                .description("Fetches of missing store paths by outcome").register(registry);
    }

    public void narinfo(String result) {
        lookups(result).increment();
    }

    public void fetched(PathFetcher.Outcome outcome, Duration took, long byteCount) {
        fetches(outcome).increment();
        duration.record(took);
        if (byteCount > 0) {
            bytes.increment(byteCount);
        }
    }

    void bindInFlight(Supplier<Number> inFlight) {
        Gauge.builder("nixnfs.fetch.in.progress", inFlight).description("Fetches running or queued")
                .strongReference(true).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
