package org.nixnfs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every lookup result and fetch outcome exists at 0 before the first one, so that increase() counts that one. */
class FetchMetricsTest {
    @Test
    void everyResultAndOutcomeStartsAtZero() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FetchMetrics metrics = new FetchMetrics(registry);
        assertEquals(Set.of("found", "absent", "mismatch", "error", "throttled"),
                labels(registry, "nixnfs.fetch.narinfo.lookups", "result"));
        assertEquals(Set.of("fetched", "not_available", "too_large", "failed", "timed_out", "busy"),
                labels(registry, "nixnfs.fetch.fetches", "outcome"));
        registry.find("nixnfs.fetch.fetches").counters().forEach(c -> assertEquals(0, c.count()));

        metrics.fetched(PathFetcher.Outcome.FETCHED, Duration.ofMillis(5), 100);
        metrics.narinfo("found");
        assertEquals(1, registry.get("nixnfs.fetch.fetches").tag("outcome", "fetched").counter().count());
        assertEquals(1, registry.get("nixnfs.fetch.narinfo.lookups").tag("result", "found").counter().count());
        assertEquals(6, registry.find("nixnfs.fetch.fetches").counters().size(), "no second meter for an outcome");
    }

    private static Set<String> labels(SimpleMeterRegistry registry, String name, String tag) {
        Set<String> s = new TreeSet<>();
        for (Counter c : registry.find(name).counters()) {
            s.add(c.getId().getTag(tag));
        }
        return s;
    }
}
