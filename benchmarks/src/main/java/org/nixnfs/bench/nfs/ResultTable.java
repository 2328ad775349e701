package org.nixnfs.bench.nfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Prints the one table of benchmarks/run from JMH's JSON result of {@link NfsBench}:
 * {@code ResultTable RESULT.json [TITLE [LOAD_AT_START]]}.
 *
 * <p>One row per benchmark and figure (p50 and p99 latency, throughput), with the nixnfs,
 * ganesha and local figures, the ratio nixnfs/ganesha, and the target for that
 * figure where there is one: p50 latency of metadata and small-file requests at most 0.70x
 * ganesha's; sequential-read throughput at least 1.50x. Throughput is threads / mean time
 * per operation (JMH threads never wait between operations), in operations per second, or
 * MiB/s for the 1 MiB READs. Below the table: the machine (CPU model, cores, kernel) and the
 * load average at the start (as given) and now, since other processes share the cores.
 * The table is Markdown, so it can go into benchmarks/README.md as printed.
 */
public final class ResultTable {
    private ResultTable() {
    }

    /** Benchmarks in table order, with their label and whether a READ op moves 1 MiB. */
    private static final String[][] ORDER = {
        {"nullCall", "NULL RPC (the floor)"},
        {"getattr", "GETATTR (warm handle)"},
        {"lookup", "LOOKUP one component"},
        {"smallFile", "4 KiB file: LOOKUP+OPEN+READ+CLOSE"},
        {"smallFile_8", "4 KiB file, 8 clients"},
        {"smallFile_64", "4 KiB file, 64 clients"},
        {"readdir", "READDIR 1,000 entries + attrs"},
        {"seqRead", "1 MiB READs of a 100 MiB file"},
        {"seqRead_8", "1 MiB READs, 8 clients"},
        {"seqRead_64", "1 MiB READs, 64 clients"},
    };
    private static final String[] TARGETS = {"nixnfs", "ganesha", "local"};

    record Figures(double p50, double p99, double mean, int threads, String unit) {
        double opsPerSecond() {
            return threads * perSecond(unit) / mean;
        }
    }

    static double perSecond(String unit) {
        return switch (unit) {
            case "ns/op" -> 1e9;
            case "us/op" -> 1e6;
            case "ms/op" -> 1e3;
            case "s/op" -> 1;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ResultTable RESULT.json [TITLE [LOAD_AT_START]]");
            System.exit(2);
        }
        JsonNode root = new ObjectMapper().readTree(Files.readString(Path.of(args[0])));
        String title = args.length > 1 ? args[1] : "nixnfs vs nfs-ganesha vs the local filesystem";
        String loadAtStart = args.length > 2 ? args[2] : null;
        System.out.print(render(root, title, loadAtStart));
    }

    static String render(JsonNode root, String title, String loadAtStart) throws IOException {
        // benchmark -> target -> figures
        Map<String, Map<String, Figures>> results = new LinkedHashMap<>();
        String jvm = "";
        String iterations = "";
        for (JsonNode r : root) {
            String bench = r.get("benchmark").asText();
            bench = bench.substring(bench.lastIndexOf('.') + 1);
            String target = r.path("params").path("target").asText();
            JsonNode pm = r.get("primaryMetric");
            JsonNode pc = pm.get("scorePercentiles");
            results.computeIfAbsent(bench, b -> new LinkedHashMap<>()).put(target, new Figures(
                    pc.get("50.0").asDouble(), pc.get("99.0").asDouble(), pm.get("score").asDouble(),
                    r.get("threads").asInt(), pm.get("scoreUnit").asText()));
            jvm = r.path("jdkVersion").asText() + " " + r.path("vmName").asText();
            iterations = String.format("%d warmup x %s, %d measurement x %s, %d fork",
                    r.path("warmupIterations").asInt(), r.path("warmupTime").asText(),
                    r.path("measurementIterations").asInt(), r.path("measurementTime").asText(),
                    r.path("forks").asInt());
        }

        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"benchmark", "figure", "nixnfs", "ganesha", "local", "nixnfs/ganesha", "target", "met"});
        for (String[] b : ORDER) {
            Map<String, Figures> byTarget = results.get(b[0]);
            if (byTarget == null) {
                continue;
            }
            boolean seq = b[0].startsWith("seqRead");
            boolean latencyTarget = !seq && !b[0].equals("nullCall");
            rows.add(row(b[1], "p50 µs", byTarget, f -> f.p50() * 1e6 / perSecond(f.unit()), latencyTarget ? "≤ 0.70" : ""));
            rows.add(row("", "p99 µs", byTarget, f -> f.p99() * 1e6 / perSecond(f.unit()), ""));
            rows.add(row("", seq ? "MiB/s" : "ops/s", byTarget, Figures::opsPerSecond, seq ? "≥ 1.50" : ""));
        }
        StringBuilder out = new StringBuilder();
        out.append(title).append('\n').append('\n');
        out.append(markdown(rows));
        out.append('\n');
        out.append(overFloor(results));
        out.append("machine: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Linux ").append(System.getProperty("os.version")).append(", ").append(jvm).append('\n');
        out.append("load average (1, 5, 15 min): ");
        if (loadAtStart != null && !loadAtStart.isBlank()) {
            out.append(loadAtStart.trim()).append(" at the start, ");
        }
        out.append(loadAverage()).append(" at the end\n");
        out.append("JMH: ").append(iterations).append("; SampleTime; NFSv4.1 over loopback, one connection per client thread\n");
        return out.toString();
    }

    /** GETATTR's and LOOKUP's p50 over the NULL floor's, per server (GETATTR's target: at most 1.30). */
    static String overFloor(Map<String, Map<String, Figures>> results) {
        Map<String, Figures> floor = results.get("nullCall");
        if (floor == null || (!results.containsKey("getattr") && !results.containsKey("lookup"))) {
            return "";
        }
        StringBuilder sb = new StringBuilder("p50 over the NULL floor's:");
        for (String bench : new String[] {"getattr", "lookup"}) {
            Map<String, Figures> byTarget = results.get(bench);
            if (byTarget == null) {
                continue;
            }
            sb.append(' ').append(bench);
            for (String t : new String[] {"nixnfs", "ganesha"}) {
                Figures f = byTarget.get(t);
                Figures n = floor.get(t);
                if (f != null && n != null) {
                    sb.append(String.format(Locale.ROOT, " %s %.2f", t, f.p50() / n.p50()));
                }
            }
            sb.append(bench.equals("getattr") ? " (target for nixnfs ≤ 1.30);" : ";");
        }
        sb.setLength(sb.length() - 1);
        return sb.append('\n').toString();
    }

    private static String[] row(String label, String figure, Map<String, Figures> byTarget,
            ToDoubleFunction<Figures> value, String target) {
        String[] r = new String[8];
        r[0] = label;
        r[1] = figure;
        for (int i = 0; i < TARGETS.length; i++) {
            Figures f = byTarget.get(TARGETS[i]);
            r[2 + i] = f == null ? "-" : number(value.applyAsDouble(f));
        }
        Figures n = byTarget.get("nixnfs");
        Figures g = byTarget.get("ganesha");
        double ratio = n == null || g == null ? Double.NaN : value.applyAsDouble(n) / value.applyAsDouble(g);
        r[5] = Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
        r[6] = target;
        if (target.isEmpty() || Double.isNaN(ratio)) {
            r[7] = "";
        } else {
            double limit = Double.parseDouble(target.substring(2));
            boolean met = target.startsWith("≤") ? ratio <= limit : ratio >= limit;
            r[7] = met ? "yes" : "NO";
        }
        return r;
    }

    static String number(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String markdown(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            sb.append('|');
            for (int i = 0; i < cols; i++) {
                boolean left = i < 2;
                String cell = left ? pad(r[i], w[i], false) : pad(r[i], w[i], true);
                sb.append(' ').append(cell).append(" |");
            }
            sb.append('\n');
            if (k == 0) {
                sb.append('|');
                for (int i = 0; i < cols; i++) {
                    sb.append(i < 2 ? ":" + "-".repeat(w[i] + 1) : "-".repeat(w[i] + 1) + ":").append('|');
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String pad(String s, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - s.length()));
        return right ? spaces + s : s + spaces;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
