package org.nixnfs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.StorePath;

/**
 * The fetch decisions against real HTTP servers on loopback (the JDK's, and a socket that accepts
 * and never answers), with the Nix fetch itself replaced by a counter: bad caches, mismatching
 * narinfo, size limits, one fetch per path, and a flood of random names.
 */
class PathFetcherTest {
    private static final StorePath HELLO = StorePath.parseBaseName("0123456789abcdfghijklmnpqrsvwxyz-hello").orElseThrow();

    @TempDir
    Path tmp;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicInteger fetched = new AtomicInteger();
    private volatile CountDownLatch fetchMayFinish = new CountDownLatch(0);

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** An HTTP cache answering every narinfo request with this function of the hash part (null: 404). */
    private URI httpCache(Function<String, Object> answer, AtomicInteger requests) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        s.setExecutor(Executors.newFixedThreadPool(4));
        s.createContext("/", ex -> {
            requests.incrementAndGet();
            String name = ex.getRequestURI().getPath().substring(1);
            Object a = answer.apply(name.replace(".narinfo", ""));
            int status = a == null ? 404 : a instanceof Integer i ? i : 200;
            byte[] body = a instanceof String str ? str.getBytes(StandardCharsets.UTF_8) : new byte[0];
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        s.start();
        toClose.add(() -> s.stop(0));
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
    }

    private static String narinfo(StorePath p, long narSize, String... references) {
        return "StorePath: /nix/store/" + p.baseName() + "\nURL: nar/x.nar.zst\nCompression: zstd\nNarSize: " + narSize
                + "\nReferences: " + String.join(" ", references) + "\n";
    }

    private PathFetcher fetcher(FetchSettings settings, long closureSize) {
        PathFetcher f = PathFetcher.create(settings, NixCommands.forStore(tmp), new PathFetcher.Fetcher() {
            @Override
            public long missingSize(StorePath path, URI cache) {
                return closureSize;
            }

            @Override
            public void fetch(StorePath path) throws IOException {
                fetched.incrementAndGet();
                try {
                    fetchMayFinish.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        }, p -> { }, new FetchMetrics(registry));
        toClose.add(f);
        return f;
    }

    private static FetchSettings settings(URI... caches) {
        return FetchSettings.defaults(List.of(caches), List.of()).withNarinfoTimeout(Duration.ofMillis(500));
    }

    private double narinfoCount(String result) {
        var c = registry.find("nixnfs.fetch.narinfo.lookups").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aPathOnTheCacheIsFetchedOnce() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        PathFetcher f = fetcher(settings(httpCache(h -> narinfo(HELLO, 100), requests)), 100);
        assertEquals(PathFetcher.Outcome.FETCHED, f.fetch(HELLO).get(60, TimeUnit.SECONDS));
        assertEquals(1, fetched.get());
        assertEquals(PathFetcher.State.FETCHING, f.request(HELLO), "fetched: the index is about to show it");
        assertEquals(1, registry.find("nixnfs.fetch.fetches").tag("outcome", "fetched").counter().count());
    }

    @Test
    void twoAskersAtOnceShareOneFetch() throws Exception {
        fetchMayFinish = new CountDownLatch(1);
        AtomicInteger requests = new AtomicInteger();
        PathFetcher f = fetcher(settings(httpCache(h -> narinfo(HELLO, 100), requests)), 100);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<PathFetcher.Outcome>> asks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            asks.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return f.fetch(HELLO);
            }).thenCompose(x -> x));
        }
        go.countDown();
        while (fetched.get() == 0) {
            Thread.sleep(10); // waiting for the event "the fetch started"
        }
        assertEquals(PathFetcher.State.FETCHING, f.request(HELLO));
        fetchMayFinish.countDown();
        for (CompletableFuture<PathFetcher.Outcome> a : asks) {
            assertEquals(PathFetcher.Outcome.FETCHED, a.get(60, TimeUnit.SECONDS));
        }
        assertEquals(1, fetched.get(), "one fetch however many ask");
        assertEquals(1, requests.get(), "one narinfo request too");
    }

    @Test
    void aCacheAnswering500IsNotAvailable() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        PathFetcher f = fetcher(settings(httpCache(h -> 500, requests)), 100);
        assertEquals(PathFetcher.Outcome.NOT_AVAILABLE, f.fetch(HELLO).get(60, TimeUnit.SECONDS));
        assertEquals(PathFetcher.State.ABSENT, f.request(HELLO));
        assertEquals(1, narinfoCount("error"));
        assertEquals(1, requests.get(), "the failure is remembered for the negative TTL");
        assertEquals(0, fetched.get());
    }

    @Test
    void aCacheThatHangsIsNotAvailableWithinTheTimeout() throws Exception {
        ServerSocket hang = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> accepted = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(hang.accept()); // accepts, never answers
                }
            } catch (IOException closed) {
                // test over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        toClose.add(hang);
        PathFetcher f = fetcher(settings(URI.create("http://127.0.0.1:" + hang.getLocalPort())), 100);
        long t0 = System.nanoTime();
        assertEquals(PathFetcher.State.FETCHING, f.request(HELLO), "the LOOKUP is answered at once: DELAY");
        assertEquals(PathFetcher.Outcome.NOT_AVAILABLE, f.fetch(HELLO).get(60, TimeUnit.SECONDS));
        System.out.printf("hanging cache: not available after %d ms (narinfo timeout 500 ms)%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertEquals(PathFetcher.State.ABSENT, f.request(HELLO));
        assertEquals(1, narinfoCount("error"));
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    void aNarinfoNamingAnotherPathIsNotFetched() throws Exception {
        StorePath other = StorePath.parseBaseName(HELLO.hashPart() + "-evil").orElseThrow();
        AtomicInteger requests = new AtomicInteger();
        PathFetcher f = fetcher(settings(httpCache(h -> narinfo(other, 100), requests)), 100);
        assertEquals(PathFetcher.Outcome.NOT_AVAILABLE, f.fetch(HELLO).get(60, TimeUnit.SECONDS));
        assertEquals(0, fetched.get());
        assertEquals(1, narinfoCount("mismatch"));
    }

    @Test
    void garbageIsNotANarinfo() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        PathFetcher f = fetcher(settings(httpCache(h -> "<html>hello</html>", requests)), 100);
        assertEquals(PathFetcher.Outcome.NOT_AVAILABLE, f.fetch(HELLO).get(60, TimeUnit.SECONDS));
        assertEquals(0, fetched.get());
    }

    @Test
    void tooLargeIsRefused() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        URI cache = httpCache(h -> narinfo(HELLO, 100, "1123456789abcdfghijklmnpqrsvwxyz-dep"), requests);
        PathFetcher bigPath = fetcher(settings(cache).withMaxFetchSize(99), 100);
        assertEquals(PathFetcher.Outcome.TOO_LARGE, bigPath.fetch(HELLO).get(60, TimeUnit.SECONDS));
        PathFetcher bigClosure = fetcher(settings(cache).withMaxFetchSize(1000), 5000); // with its reference
        assertEquals(PathFetcher.Outcome.TOO_LARGE, bigClosure.fetch(HELLO).get(60, TimeUnit.SECONDS));
        assertEquals(0, fetched.get());
        assertEquals(PathFetcher.State.ABSENT, bigClosure.request(HELLO));
    }

    @Test
    void theSecondCacheIsAskedWhenTheFirstHasNothing() throws Exception {
        AtomicInteger r1 = new AtomicInteger();
        AtomicInteger r2 = new AtomicInteger();
        PathFetcher f = fetcher(settings(httpCache(h -> null, r1), httpCache(h -> narinfo(HELLO, 10), r2)), 10);
        assertEquals(PathFetcher.Outcome.FETCHED, f.fetch(HELLO).get(60, TimeUnit.SECONDS));
        assertEquals(1, r1.get());
        assertEquals(1, r2.get());
    }

    @Test
    void aFloodOfRandomNamesIsABoundedTrickleOfRequests() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        URI cache = httpCache(h -> null, requests);
        FetchSettings s = new FetchSettings(List.of(cache), List.of(), 1L << 30, Duration.ofHours(1),
                Duration.ofSeconds(30), Duration.ofMillis(500), Duration.ofMinutes(1), 2, 4, 8, 20, 1000, Duration.ZERO);
        PathFetcher f = fetcher(s, 1);
        Random rnd = new Random(42);
        long t0 = System.nanoTime();
        int delayed = 0;
        for (int i = 0; i < 10_000; i++) {
            StringBuilder h = new StringBuilder();
            for (int c = 0; c < 32; c++) {
                h.append(StorePath.BASE32_ALPHABET.charAt(rnd.nextInt(32)));
            }
            StorePath p = StorePath.parseBaseName(h + "-random").orElseThrow();
            if (f.request(p) == PathFetcher.State.FETCHING) {
                delayed++;
            }
            assertTrue(f.narinfoLookup().inFlight() <= 8, "in-flight narinfo requests stay bounded");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        while (f.narinfoLookup().inFlight() > 0) {
            Thread.sleep(10);
        }
        long remembered = f.narinfoLookup().rememberedAnswers();
        System.out.printf("10,000 random names in %.2f s: %d requests to the cache, %d answered DELAY, %d answers "
                + "remembered%n", seconds, requests.get(), delayed, remembered);
        assertTrue(requests.get() <= 20 + 20 * (seconds + 1), "rate-limited: " + requests.get() + " requests");
        assertTrue(remembered <= 1000, "answers remembered stay within the cache size: " + remembered);
        assertEquals(0, fetched.get());
        assertTrue(narinfoCount("throttled") > 9000);
    }

    @Test
    void aFileCacheIsReadFromDisk() throws Exception {
        Files.writeString(tmp.resolve(HELLO.hashPart() + ".narinfo"), narinfo(HELLO, 10));
        PathFetcher f = fetcher(settings(URI.create("file://" + tmp)), 10);
        assertEquals(PathFetcher.Outcome.FETCHED, f.fetch(HELLO).get(60, TimeUnit.SECONDS));
        StorePath missing = StorePath.parseBaseName("1123456789abcdfghijklmnpqrsvwxyz-hello").orElseThrow();
        assertEquals(PathFetcher.Outcome.NOT_AVAILABLE, f.fetch(missing).get(60, TimeUnit.SECONDS));
    }
}
