package org.nixnfs.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.usage.UsageDatabase;
import org.nixnfs.store.usage.UsageReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nixnfs usage}: which store paths executors use, and which they stopped using. */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "List store paths with their size, registration time, last use over NFS and the executors that read them.")
public final class UsageCommand implements Callable<Integer> {
    @Option(names = "--sort", paramLabel = "KEY", defaultValue = "last-access",
            description = "last-access (least recently used first, the order GC evicts in) or size (largest first). Default: ${DEFAULT-VALUE}.")
    String sort;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Show at most N paths (0: all).")
    int limit;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean asJson;

    @picocli.CommandLine.Mixin
    AdminOptions admin = new AdminOptions();

    @Option(names = "--standalone", description = "Read the state directory and Nix database directly, without a running server.")
    boolean standalone;

    @Option(names = "--store-root", paramLabel = "DIR", defaultValue = "/", description = "With --standalone: the store root. Default: ${DEFAULT-VALUE}.")
    Path storeRoot;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "With --standalone: the server's state directory.")
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        List<UsageReport.Entry> entries;
        ObjectMapper json = new ObjectMapper();
        if (standalone) {
            UsageReport.Sort s = sort.equals("size") ? UsageReport.Sort.SIZE : UsageReport.Sort.LAST_ACCESS;
            entries = UsageReport.build(NixDatabase.open(storeRoot).load(),
                    UsageDatabase.readIfExists(stateDir != null ? stateDir : Defaults.stateDir()), s, limit);
        } else {
            JsonNode n = admin.client().getJson("/api/v1/usage?sort=" + sort + "&limit=" + limit);
            entries = List.of(json.treeToValue(n.get("paths"), UsageReport.Entry[].class));
        }
        if (asJson) {
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("paths", entries)));
            return 0;
        }
        System.out.printf("%-20s %10s %-20s %-24s %s%n", "LAST USE (UTC)", "SIZE", "REGISTERED (UTC)", "EXECUTORS", "PATH");
        for (UsageReport.Entry e : entries) {
            System.out.printf("%-20s %10s %-20s %-24s %s%n",
                    e.lastAccessMillis() == 0 ? "never" : time(Instant.ofEpochMilli(e.lastAccessMillis())),
                    GcRunResult.humanBytes(e.narSize()), time(Instant.ofEpochSecond(e.registrationTime())),
                    clients(e.clients()), e.path());
        }
        return 0;
    }

    static String time(Instant t) {
        return t.toString().substring(0, 16).replace('T', ' ');
    }

    private static String clients(Map<String, Long> c) {
        if (c.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (Iterator<String> i = c.keySet().stream().sorted().iterator(); i.hasNext(); ) {
            sb.append(i.next()).append(i.hasNext() ? "," : "");
        }
        return sb.toString();
    }
}
