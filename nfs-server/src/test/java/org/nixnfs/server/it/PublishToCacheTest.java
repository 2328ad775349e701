package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.metrics.ScrapeFixture;
import org.nixnfs.store.StorePath;

/**
 * {@code --publish-to}, with real Nix and a file:// binary cache: a path registered on the server
 * after it started appears in the cache, signed with the given key; while the cache cannot be
 * written, the copy is retried and the backlog metric counts the path.
 */
class PublishToCacheTest {
    @Test
    void aNewPathIsPublishedSignedAndAFailingCacheIsRetried() throws Exception {
        Path work = Files.createTempDirectory("nixnfs-publish");
        Path blocker = Files.writeString(work.resolve("blocker"), "a file where the cache's parent directory should be");
        Path cache = blocker.resolve("cache");
        Path secret = work.resolve("cache.sec");
        Process keygen = new ProcessBuilder("nix-store", "--generate-binary-cache-key", "publish-test-1",
                secret.toString(), work.resolve("cache.pub").toString()).inheritIO().start();
        assertEquals(0, keygen.waitFor(), "nix-store --generate-binary-cache-key");
        NixnfsServer.Config.Publishing publishing = new NixnfsServer.Config.Publishing("file://" + cache, secret,
                Duration.ofMillis(100), Duration.ofMillis(500));
        try (ScrapeFixture f = ScrapeFixture.start(c -> c.toBuilder().publish(publishing).build())) {
            assertFalse(Files.exists(cache), "paths the store had at start are not published");
            StorePath p = f.nix.addText("published.txt", "to the cache\n");

            Map<String, Double> m = awaitMetrics(f, s -> s.getOrDefault("nixnfs_publish_failures_total", 0.0) >= 2);
            assertEquals(1.0, m.get("nixnfs_publish_backlog_paths"), "the path waits while the cache fails");
            assertEquals(0.0, m.get("nixnfs_publish_published_paths_total"));

            Files.delete(blocker); // the cache becomes writable
            m = awaitMetrics(f, s -> s.getOrDefault("nixnfs_publish_published_paths_total", 0.0) >= 1);
            assertEquals(0.0, m.get("nixnfs_publish_backlog_paths"));
            Path narinfo = cache.resolve(p.hashPart() + ".narinfo");
            assertTrue(Files.exists(narinfo), "the cache has " + p);
            String info = Files.readString(narinfo);
            assertTrue(info.contains("StorePath: " + p.fullPath()), info);
            assertTrue(info.lines().anyMatch(l -> l.startsWith("Sig: publish-test-1:")), "signed with the key: " + info);
        } finally {
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    private static Map<String, Double> awaitMetrics(ScrapeFixture f, Predicate<Map<String, Double>> done)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<String, Double> m = f.scrape();
        while (!done.test(m)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("publishing metrics never got there: " + publishMetrics(m));
            }
            Thread.sleep(100);
            m = f.scrape();
        }
        return m;
    }

    private static List<String> publishMetrics(Map<String, Double> m) {
        return m.entrySet().stream().filter(e -> e.getKey().startsWith("nixnfs_publish")).map(Object::toString).toList();
    }
}
