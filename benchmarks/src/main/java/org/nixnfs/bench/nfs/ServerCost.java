package org.nixnfs.bench.nfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one request costs each server, independent of how busy the machine is:
 * {@code ServerCost nixnfs=PID ganesha=PID [N]} (with the {@link Dataset} system properties).
 *
 * <p>For each benchmark operation, runs it N times from one client (one request in flight, so
 * each request wakes the server up from idle, as an executor's requests mostly do) and reads,
 * before and after, the server process's CPU time (its threads' /proc/PID/task/TID/schedstat) and the
 * context switches of all its threads (voluntary + involuntary, /proc/PID/task/* /status).
 * Prints server CPU µs and context switches per operation, and the client's mean latency.
 *
 * <p>Latency on a loaded machine is mostly waiting for a core; these two figures say how much
 * work and how many thread wake-ups a server needs per request, which is what that waiting
 * is multiplied by.
 */
public final class ServerCost {
    private ServerCost() {
    }

    interface Op {
        void run() throws IOException;
    }

    public static void main(String[] args) throws Exception {
        Dataset ds = Dataset.fromSystemProperties();
        int n = 2000;
        List<String[]> servers = new ArrayList<>();
        for (String a : args) {
            if (a.contains("=")) {
                servers.add(a.split("=", 2));
            } else {
                n = Integer.parseInt(a);
            }
        }
        System.out.printf("%-8s %-10s %10s %12s %12s %12s%n", "server", "operation", "requests", "cpu µs/op", "ctxsw/op", "mean µs/op");
        Map<String, Double> cpu = new LinkedHashMap<>(); // "target op" -> CPU µs per operation
        for (String[] s : servers) {
            String target = s[0];
            long pid = Long.parseLong(s[1]);
            try (BenchNfsClient c = BenchNfsClient.connect(Dataset.server(target))) {
                byte[] dir = c.lookupPath(Dataset.remote(Dataset.parent(ds.smallFile())));
                byte[] name = Dataset.name(ds.smallFile()).getBytes(StandardCharsets.UTF_8);
                byte[] ga = c.lookupPath(Dataset.remote(ds.getattrFile()));
                byte[] bigDir = c.lookupPath(Dataset.remote(ds.bigDirectory()));
                byte[] big = c.lookupPath(Dataset.remote(ds.bigFile()));
                long size = c.getattr(big);
                byte[] bst = c.open(big);
                long[] off = {0};
                measure(cpu, target, pid, "null", n, 1, c::nullCall);
                measure(cpu, target, pid, "getattr", n, 1, () -> c.getattr(ga));
                measure(cpu, target, pid, "lookup", n, 1, () -> c.lookup(dir, name));
                measure(cpu, target, pid, "smallFile", n / 4, 4, () -> {
                    byte[] fh = c.lookup(dir, name);
                    byte[] st = c.open(fh);
                    c.read(fh, st, 0, NfsBench.SMALL_READ);
                    c.close(fh, st);
                });
                measure(cpu, target, pid, "readdir", Math.max(20, n / 50), 0, () -> c.readdir(bigDir, NfsBench.READDIR_SIZE, null));
                measure(cpu, target, pid, "seqRead", Math.max(100, n / 10), 1, () -> {
                    c.read(big, bst, off[0], NfsBench.READ_SIZE);
                    off[0] = off[0] + NfsBench.READ_SIZE >= size ? 0 : off[0] + NfsBench.READ_SIZE;
                });
                c.close(big, bst);
            }
        }
        if (cpu.containsKey("nixnfs getattr") && cpu.containsKey("ganesha getattr")) {
            StringBuilder sb = new StringBuilder("nixnfs/ganesha CPU per request:");
            for (String op : new String[] {"null", "getattr", "lookup", "smallFile", "readdir", "seqRead"}) {
                sb.append(String.format(Locale.ROOT, " %s %.2f%s;", op, cpu.get("nixnfs " + op) / cpu.get("ganesha " + op),
                        op.equals("getattr") || op.equals("lookup") ? " (target ≤ 0.50)" : ""));
            }
            sb.setLength(sb.length() - 1);
            System.out.println(sb);
        }
    }

    /** Runs op n times; rpcsPerOp 0 means "not a fixed number" (READDIR pages). */
    static void measure(Map<String, Double> cpu, String target, long pid, String name, int n, int rpcsPerOp, Op op)
            throws IOException {
        for (int i = 0; i < Math.min(n, 200); i++) {
            op.run(); // warm this path
        }
        long cpu0 = cpuNanos(pid);
        long cs0 = contextSwitches(pid);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            op.run();
        }
        long t1 = System.nanoTime();
        long cpu1 = cpuNanos(pid);
        long cs1 = contextSwitches(pid);
        double cpuMicros = (cpu1 - cpu0) / 1e3 / n;
        cpu.put(target + " " + name, cpuMicros);
        System.out.printf(Locale.ROOT, "%-8s %-10s %10d %12.1f %12.2f %12.1f%n", target, name, n,
                cpuMicros, (double) (cs1 - cs0) / n, (t1 - t0) / 1e3 / n);
    }

    /**
     * The CPU time of all the process's threads in nanoseconds (the first field of each
     * /proc/PID/task/TID/schedstat), not /proc/PID/stat's 10 ms ticks, which are too coarse
     * for requests of tens of microseconds.
     */
    static long cpuNanos(long pid) throws IOException {
        long total = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("schedstat"));
                    total += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
                } catch (IOException e) {
                    // the thread ended
                }
            }
        }
        return total;
    }

    static long contextSwitches(long pid) throws IOException {
        long total = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"), StandardCharsets.US_ASCII)) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended
                }
            }
        }
        return total;
    }
}
