package org.nixnfs.bench.nfs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The soak (benchmarks/soak): N clients, each on its own connection and session, read files of
 * the store for a while (LOOKUP of the path, READs of the whole file). Every interval it prints
 * the server's retained heap (live data after the last major GC), heap in use, open file
 * descriptors, threads, NFS connections (from its /metrics), and the clients' request count and
 * p99 latency in that interval. At the end it compares the first full interval with the last:
 * none of them may grow beyond a generous factor (exit status 1 if one does).
 *
 * <pre>java -cp benchmarks.jar org.nixnfs.bench.nfs.Soak NFS_HOST:PORT ADMIN_HOST:PORT STORE_DIR CLIENTS SECONDS INTERVAL</pre>
 */
public final class Soak {
    /** Growth allowed from the first interval to the last (measurements of a loaded machine are noisy). */
    static final double FACTOR = 1.5;

    record Sample(long seconds, double liveHeapMiB, double usedHeapMiB, double fds, double threads, double connections,
                  long requests, double p99Millis) {
        @Override
        public String toString() {
            return String.format("%6d s  live heap %7.1f MiB  heap used %7.1f MiB  fds %5.0f  threads %4.0f  "
                    + "connections %4.0f  requests %8d  p99 %7.2f ms", seconds, liveHeapMiB, usedHeapMiB, fds, threads,
                    connections, requests, p99Millis);
        }
    }

    public static void main(String[] args) throws Exception {
        int colon = args[0].lastIndexOf(':');
        InetSocketAddress server = new InetSocketAddress(args[0].substring(0, colon),
                Integer.parseInt(args[0].substring(colon + 1)));
        String admin = args[1];
        Path storeDir = Path.of(args[2]);
        int clients = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        long interval = Long.parseLong(args[5]);
        List<String> files = files(storeDir);
        System.out.printf("soak: %d clients reading %d files of %s for %d s%n", clients, files.size(), storeDir, seconds);

        AtomicBoolean stop = new AtomicBoolean();
        LatencyWindow window = new LatencyWindow();
        AtomicLong failures = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            Thread t = new Thread(() -> readLoop(server, files, id, stop, window, failures), "soak-client-" + i);
            t.start();
            threads.add(t);
        }
        HttpClient http = HttpClient.newHttpClient();
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        while (TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < seconds) {
            Thread.sleep(interval * 1000);
            long[] lat = window.drain();
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Sample s = new Sample(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
                    sum(metrics, "jvm_gc_live_data_size_bytes") / (1 << 20),
                    sum(metrics, "jvm_memory_used_bytes{area=\"heap\"") / (1 << 20),
                    sum(metrics, "process_files_open_files"), sum(metrics, "jvm_threads_live_threads"),
                    sum(metrics, "nixnfs_nfs_connections"), lat.length, percentile(lat, 0.99) / 1e6);
            samples.add(s);
            System.out.println(s);
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        if (samples.size() < 3) {
            System.out.println("soak: too short to compare (fewer than 3 intervals)");
            return;
        }
        Sample first = samples.get(1); // the first interval warms the JIT and the caches
        Sample last = samples.get(samples.size() - 1);
        System.out.println("start: " + first);
        System.out.println("end:   " + last);
        List<String> grew = new ArrayList<>();
        check(grew, "live heap", first.liveHeapMiB(), last.liveHeapMiB(), 16);
        check(grew, "file descriptors", first.fds(), last.fds(), 16);
        check(grew, "threads", first.threads(), last.threads(), 4);
        check(grew, "connections", first.connections(), last.connections(), 0);
        check(grew, "p99 latency", first.p99Millis(), last.p99Millis(), 1);
        System.out.println("failed requests: " + failures.get());
        if (!grew.isEmpty() || failures.get() > 0) {
            System.out.println("soak: GREW: " + String.join(", ", grew));
            System.exit(1);
        }
        System.out.println("soak: nothing grew (factor " + FACTOR + ")");
    }

    private static void check(List<String> grew, String what, double start, double end, double slack) {
        if (end > start * FACTOR + slack) {
            grew.add(what + " " + start + " -> " + end);
        }
    }

    private static void readLoop(InetSocketAddress server, List<String> files, int id, AtomicBoolean stop,
                                 LatencyWindow window, AtomicLong failures) {
        byte[] anonymous = new byte[16];
        int i = id;
        try (BenchNfsClient c = BenchNfsClient.connect(server)) {
            while (!stop.get()) {
                String f = files.get(i++ % files.size());
                long t0 = System.nanoTime();
                try {
                    byte[] fh = c.lookupPath(Dataset.EXPORT + "/" + f);
                    long offset = 0;
                    do {
                        offset += c.read(fh, anonymous, offset, 1 << 20);
                    } while (!c.lastEof());
                } catch (IOException e) {
                    failures.incrementAndGet();
                    continue;
                }
                window.add(System.nanoTime() - t0);
            }
        } catch (IOException e) {
            failures.incrementAndGet();
            System.err.println("soak: client " + id + ": " + e);
        }
    }

    /** Up to 500 regular files of at most 4 MiB, relative to the store directory. */
    static List<String> files(Path storeDir) throws IOException {
        try (Stream<Path> s = Files.walk(storeDir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> p.toFile().length() <= 4 << 20)
                    .limit(500).map(p -> storeDir.relativize(p).toString()).sorted().toList();
        }
    }

    static double sum(String metrics, String prefix) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(prefix) && (line.charAt(prefix.length()) == ' ' || line.charAt(prefix.length()) == '{'
                    || prefix.endsWith("\""))) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** Latencies of the current interval. */
    static final class LatencyWindow {
        private long[] values = new long[1024];
        private int n;

        synchronized void add(long nanos) {
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = nanos;
        }

        synchronized long[] drain() {
            long[] out = Arrays.copyOf(values, n);
            n = 0;
            Arrays.sort(out);
            return out;
        }
    }
}
