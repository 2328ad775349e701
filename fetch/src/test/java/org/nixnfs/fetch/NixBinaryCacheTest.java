package org.nixnfs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Real Nix, a real binary cache: paths built in one store, pushed signed to a cache that nginx
 * serves, fetched into another store by {@link PathFetcher} with their closures; and refused when
 * the signature is not trusted.
 */
@Tag("slow")
class NixBinaryCacheTest {
    @Test
    void aPathComesFromTheCacheWithItsClosureAndOnlyWithATrustedSignature(@TempDir Path dir) throws Exception {
        NixStoreFixture builder = NixStoreFixture.create(dir.resolve("builder"));
        List<StorePath> built = builder.build("let dep = " + NixStoreFixture.derivation("dep",
                "/bin/mkdir -p $out; echo dep > $out/data") + "; in [ (" + NixStoreFixture.derivation("tool",
                "/bin/mkdir -p $out/bin; echo \"#!/bin/sh\\necho from ${dep}\" > $out/bin/tool; /bin/chmod +x $out/bin/tool")
                + ") ]");
        StorePath tool = built.get(0);
        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "test-cache-1")) {
            cache.push(builder, tool);
            cache.serve();

            NixStoreFixture server = NixStoreFixture.create(dir.resolve("server"));
            CopyOnWriteArrayList<StorePath> told = new CopyOnWriteArrayList<>();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            FetchSettings settings = FetchSettings.defaults(List.of(cache.httpUrl()), List.of(cache.publicKey()));
            try (PathFetcher f = PathFetcher.create(settings, NixCommands.forStore(server.storeRoot()), valid(server), told::add,
                    new FetchMetrics(registry))) {
                assertEquals(PathFetcher.Outcome.FETCHED, f.fetch(tool).get(300, TimeUnit.SECONDS));
                assertTrue(server.isValid(tool));
                assertTrue(Files.isExecutable(server.realPath(tool).resolve("bin/tool")));
                assertEquals(List.of(tool), told, "the fetched path counts as used");
                assertTrue(registry.find("nixnfs.fetch.bytes").counter().count() > 0);
                assertTrue(cache.requests().stream().anyMatch(l -> l.contains(tool.hashPart() + ".narinfo")));
            }

            // The same cache, but its key is not trusted: Nix refuses, nothing is registered.
            NixStoreFixture wary = NixStoreFixture.create(dir.resolve("wary"));
            try (BinaryCacheFixture other = BinaryCacheFixture.create(dir.resolve("other"), "someone-else-1")) {
                FetchSettings untrusted = FetchSettings.defaults(List.of(cache.httpUrl()), List.of(other.publicKey()));
                try (PathFetcher f = PathFetcher.create(untrusted, NixCommands.forStore(wary.storeRoot()), valid(wary), p -> { },
                        new FetchMetrics(new SimpleMeterRegistry()))) {
                    assertEquals(PathFetcher.Outcome.FAILED, f.fetch(tool).get(300, TimeUnit.SECONDS));
                    assertFalse(wary.isValid(tool));
                    assertEquals(PathFetcher.State.ABSENT, f.request(tool));
                }
            }
        }
    }

    /**
     * The size limit counts only what a fetch would add: a small tool whose big dependency is in
     * the store already is fetched under a --max-fetch-size its whole closure is over, and refused
     * where the dependency is missing.
     */
    @Test
    void theSizeLimitCountsOnlyWhatIsMissing(@TempDir Path dir) throws Exception {
        NixStoreFixture builder = NixStoreFixture.create(dir.resolve("builder"));
        String dep = NixStoreFixture.derivation("big-dep", "/bin/dd if=/dev/zero of=$out bs=1000 count=200");
        List<StorePath> built = builder.build("let dep = " + dep + "; in [ (" + NixStoreFixture.derivation("small-tool",
                "echo ${dep} > $out") + ") dep ]");
        StorePath tool = built.get(0);
        StorePath big = built.get(1);
        long limit = 100_000; // over the tool (a line), under the dependency (200 kB)
        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "test-cache-1")) {
            cache.push(builder, tool);
            cache.serve();
            FetchSettings settings = FetchSettings.defaults(List.of(cache.httpUrl()), List.of(cache.publicKey()));

            NixStoreFixture empty = NixStoreFixture.create(dir.resolve("empty"));
            try (PathFetcher f = PathFetcher.create(settings.withMaxFetchSize(limit), NixCommands.forStore(empty.storeRoot()),
                    valid(empty), p -> { }, new FetchMetrics(new SimpleMeterRegistry()))) {
                assertEquals(PathFetcher.Outcome.TOO_LARGE, f.fetch(tool).get(300, TimeUnit.SECONDS));
                assertFalse(empty.isValid(tool));
            }

            NixStoreFixture hasDep = NixStoreFixture.create(dir.resolve("has-dep"));
            try (PathFetcher f = PathFetcher.create(settings, NixCommands.forStore(hasDep.storeRoot()), valid(hasDep),
                    p -> { }, new FetchMetrics(new SimpleMeterRegistry()))) {
                assertEquals(PathFetcher.Outcome.FETCHED, f.fetch(big).get(300, TimeUnit.SECONDS)); // the big part, first
            }
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (PathFetcher f = PathFetcher.create(settings.withMaxFetchSize(limit), NixCommands.forStore(hasDep.storeRoot()),
                    valid(hasDep), p -> { }, new FetchMetrics(registry))) {
                assertEquals(PathFetcher.Outcome.FETCHED, f.fetch(tool).get(300, TimeUnit.SECONDS));
                assertTrue(hasDep.isValid(tool));
                double bytes = registry.find("nixnfs.fetch.bytes").counter().count();
                assertTrue(bytes > 0 && bytes < limit, "counted only the tool: " + bytes);
            }
        }
    }

    /** Validity as the server's index sees it: the store's Nix database, read afresh. */
    private static Predicate<StorePath> valid(NixStoreFixture store) {
        return p -> {
            try {
                return NixDatabase.open(store.storeRoot()).load().contains(p);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
