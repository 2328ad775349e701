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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.BinaryCacheFixture;
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
            try (PathFetcher f = PathFetcher.create(settings, NixCommands.forStore(server.storeRoot()), told::add,
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
                try (PathFetcher f = PathFetcher.create(untrusted, NixCommands.forStore(wary.storeRoot()), p -> { },
                        new FetchMetrics(new SimpleMeterRegistry()))) {
                    assertEquals(PathFetcher.Outcome.FAILED, f.fetch(tool).get(300, TimeUnit.SECONDS));
                    assertFalse(wary.isValid(tool));
                    assertEquals(PathFetcher.State.ABSENT, f.request(tool));
                }
            }
        }
    }
}
