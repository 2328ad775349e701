package org.nixnfs.bench.nfs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Aggregate throughput of one target address (benchmarks/replica-scaling: haproxy in front of 1,
 * 2 or 3 nixnfs servers, or one server directly) under N concurrent clients, each with its own
 * connection and NFSv4.1 session, one request in flight, no pause between requests, doing a
 * read-heavy mix an executor's page-cache misses look like:
 * <ul>
 *   <li>40% GETATTR of a file whose handle the client has (stat with expired attributes),</li>
 *   <li>30% LOOKUP of a name in its directory (LOOKUP GETFH GETATTR, as Linux looks up),</li>
 *   <li>25% READ of a small file (up to 64 KiB) whole, one READ,</li>
 *   <li>5% READ of 1 MiB at a random offset of the 100 MiB file.</li>
 * </ul>
 * Every request is timed: ops/s over the measured period, p50 and p99 over all requests, MiB/s
 * read. During the measured period it also samples the CPU time (utime + stime of
 * /proc/PID/stat) of the processes named on the command line and of itself, in cores: on a
 * machine whose cores the clients, haproxy and the servers share, that says what limits.
 *
 * <pre>java -Dnixnfs.bench.dataset=.../dataset.properties -cp benchmarks.jar org.nixnfs.bench.nfs.ReplicaScaling \
 *     LABEL HOST:PORT CLIENTS WARM_SECONDS MEASURE_SECONDS [NAME=PID ...]</pre>
 * prints one result line (tab-separated, parsed by the script) and a human-readable one on stderr.
 */
public final class ReplicaScaling {
    private static final int SMALL_MAX = 64 * 1024;
    private static final int BIG_READ = 1 << 20;

    /** What every client needs: files by relative path, the small ones, the big one and its size. */
    record Mix(List<String> files, List<String> small, String big, long bigSize) {
        static Mix of(Dataset d) throws IOException {
            List<String> files;
            try (Stream<Path> s = Files.walk(d.store())) {
                files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                        .filter(p -> p.toFile().length() <= 4 << 20)
                        .map(p -> d.store().relativize(p).toString())
                        .filter(f -> f.contains("/")) // files inside store paths, not .drv files
                        .sorted().toList();
            }
            int step = Math.max(1, files.size() / 500); // 500 files spread over every store path
            List<String> spread = new ArrayList<>();
            for (int i = 0; i < files.size(); i += step) {
                spread.add(files.get(i));
            }
            files = spread;
            List<String> small = files.stream().filter(f -> d.local(f).toFile().length() <= SMALL_MAX).toList();
            return new Mix(files, small, d.bigFile(), Files.size(d.local(d.bigFile())));
        }
    }

    public static void main(String[] args) throws Exception {
        String label = args[0];
        int colon = args[1].lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(args[1].substring(0, colon),
                Integer.parseInt(args[1].substring(colon + 1)));
        int clients = Integer.parseInt(args[2]);
        long warm = Long.parseLong(args[3]);
        long measure = Long.parseLong(args[4]);
        Map<String, Long> pids = new LinkedHashMap<>();
        for (int i = 5; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            pids.put(kv[0], Long.parseLong(kv[1]));
        }
        pids.put("clients", ProcessHandle.current().pid());
        Mix mix = Mix.of(Dataset.fromSystemProperties());
        Map<String, byte[]> handles = handles(target, mix);

        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failures = new AtomicLong();
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        long[] bytes = new long[clients];
        CountDownLatch connected = new CountDownLatch(clients);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                long read = 0;
                SplittableRandom rnd = new SplittableRandom(id * 7919L + 1);
                byte[] anonymous = new byte[16];
                try (BenchNfsClient c = BenchNfsClient.connect(target)) {
                    connected.countDown();
                    while (!stop.get()) {
                        int dice = rnd.nextInt(100);
                        long t0 = System.nanoTime();
                        int got = 0;
                        if (dice < 40) {
                            c.getattr(handles.get(mix.files().get(rnd.nextInt(mix.files().size()))));
                        } else if (dice < 70) {
                            String f = mix.files().get(rnd.nextInt(mix.files().size()));
                            c.lookup(handles.get(Dataset.parent(f)), Dataset.name(f));
                        } else if (dice < 95) {
                            got = c.read(handles.get(mix.small().get(rnd.nextInt(mix.small().size()))), anonymous, 0,
                                    SMALL_MAX);
                        } else {
                            long offset = rnd.nextLong(Math.max(1, mix.bigSize() / BIG_READ)) * BIG_READ;
                            got = c.read(handles.get(mix.big()), anonymous, offset, BIG_READ);
                        }
                        long t1 = System.nanoTime();
                        if (measuring.get()) {
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = t1 - t0;
                            read += got;
                        }
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                    System.err.println("replica-scaling: client " + id + ": " + e);
                    connected.countDown();
                }
                latencies[id] = Arrays.copyOf(lat, n);
                counts[id] = n;
                bytes[id] = read;
            }, "client-" + i);
            t.start();
            threads.add(t);
        }
        connected.await();
        Thread.sleep(TimeUnit.SECONDS.toMillis(warm)); // JIT, caches, every client's handles
        Map<String, Long> cpu0 = cpu(pids);
        long m0 = System.nanoTime();
        measuring.set(true);
        Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
        measuring.set(false);
        long m1 = System.nanoTime();
        Map<String, Long> cpu1 = cpu(pids);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (m1 - m0) / 1e9;
        long total = Arrays.stream(counts).sum();
        long[] all = new long[(int) total];
        int k = 0;
        for (long[] l : latencies) {
            System.arraycopy(l, 0, all, k, l.length);
            k += l.length;
        }
        Arrays.sort(all);
        StringBuilder cores = new StringBuilder();
        for (String name : pids.keySet()) {
            double used = (cpu1.get(name) - cpu0.get(name)) / 100.0 / seconds; // 10 ms ticks
            cores.append(cores.length() == 0 ? "" : " ").append(name).append('=').append(String.format("%.2f", used));
        }
        double opsPerSecond = total / seconds;
        double p50 = Soak.percentile(all, 0.50) / 1e6;
        double p99 = Soak.percentile(all, 0.99) / 1e6;
        double mibPerSecond = Arrays.stream(bytes).sum() / seconds / (1 << 20);
        System.out.printf("%s\t%.0f\t%.3f\t%.3f\t%.1f\t%d\t%s%n", label, opsPerSecond, p50, p99, mibPerSecond,
                failures.get(), cores);
        System.err.printf("replica-scaling: %s: %d clients, %.0f ops/s, p50 %.3f ms, p99 %.3f ms, %.1f MiB/s, "
                + "%d failed clients; CPU in cores: %s%n", label, clients, opsPerSecond, p50, p99, mibPerSecond,
                failures.get(), cores);
        if (failures.get() > 0) {
            System.exit(1);
        }
    }

    /**
     * The handles of the mix's files and their directories, looked up once before the clients
     * start: file handles are the same on every server, so any server behind the target will do.
     */
    private static Map<String, byte[]> handles(InetSocketAddress target, Mix mix) throws IOException {
        Map<String, byte[]> handles = new HashMap<>();
        try (BenchNfsClient c = BenchNfsClient.connect(target)) {
            List<String> paths = new ArrayList<>(mix.files());
            paths.add(mix.big());
            for (String f : mix.files()) {
                paths.add(Dataset.parent(f));
            }
            for (String p : paths) {
                if (!handles.containsKey(p)) {
                    handles.put(p, c.lookupPath(Dataset.remote(p)));
                }
            }
        }
        return handles;
    }

    private static Map<String, Long> cpu(Map<String, Long> pids) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            m.put(e.getKey(), ServerCost.cpuTicks(e.getValue()));
        }
        return m;
    }
}
