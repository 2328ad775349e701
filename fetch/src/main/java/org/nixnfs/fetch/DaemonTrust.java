package org.nixnfs.fetch;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nixnfs.store.process.ProcessRunner;

/**
 * Will the nix-daemon honour what fault-in passes it? Exporting the machine's own store, Nix
 * fetches through the daemon, which ignores (with a warning in Nix's output only) the
 * {@code --option substituters} of a user who is not in {@code trusted-users}, unless each cache
 * is in its {@code trusted-substituters} or {@code substituters}, and always ignores such a user's
 * {@code trusted-public-keys}, so every fetch would fail. Checked at start from
 * {@code nix show-config} (the configuration the daemon reads on a normal install), so the operator
 * learns it from the server's log, not from executors failing.
 */
public final class DaemonTrust {
    private DaemonTrust() {
    }

    /**
     * What the daemon would ignore, one line each; empty when this user may fetch as configured.
     *
     * @param showConfig {@code nix show-config}'s output ({@code name = value} lines)
     * @param user       the server's user name
     * @param groups     its groups' names
     */
    public static List<String> problems(String showConfig, String user, Set<String> groups, List<URI> substituters,
                                        List<String> trustedKeys) {
        Map<String, List<String>> conf = parse(showConfig);
        for (String t : conf.getOrDefault("trusted-users", List.of())) {
            if (t.equals("*") || t.equals(user) || (t.startsWith("@") && groups.contains(t.substring(1)))) {
                return List.of();
            }
        }
        List<String> problems = new ArrayList<>();
        Set<String> allowed = new HashSet<>();
        conf.getOrDefault("trusted-substituters", List.of()).forEach(s -> allowed.add(withoutSlash(s)));
        conf.getOrDefault("substituters", List.of()).forEach(s -> allowed.add(withoutSlash(s)));
        for (URI s : substituters) {
            if (!allowed.contains(withoutSlash(s.toString()))) {
                problems.add("the nix-daemon will ignore the substituter " + s + ": user " + user
                        + " is not in trusted-users, and it is not in trusted-substituters");
            }
        }
        Set<String> keys = new HashSet<>(conf.getOrDefault("trusted-public-keys", List.of()));
        for (String k : trustedKeys) {
            if (!keys.contains(k)) {
                problems.add("the nix-daemon will not trust the key " + k.split(":", 2)[0] + ": user " + user
                        + " is not in trusted-users, and the key is not in its trusted-public-keys");
            }
        }
        return problems;
    }

    /** {@link #problems} for this process's user, from {@code nix show-config} and {@code id -Gn}. */
    public static List<String> check(List<URI> substituters, List<String> trustedKeys) throws IOException {
        String config = run("nix", "--extra-experimental-features", "nix-command", "show-config");
        String user = System.getProperty("user.name");
        Set<String> groups = Set.of(run("id", "-Gn").strip().split("\\s+"));
        return problems(config, user, groups, substituters, trustedKeys);
    }

    private static String run(String... cmd) throws IOException {
        ProcessRunner.Output o = ProcessRunner.run(new ProcessBuilder(cmd), Duration.ofSeconds(30), "is Nix installed?");
        if (!o.ok()) {
            throw new IOException(String.join(" ", cmd) + " failed: " + o.stderr().strip());
        }
        return o.stdout();
    }

    private static Map<String, List<String>> parse(String showConfig) {
        Map<String, List<String>> m = new HashMap<>();
        for (String line : showConfig.split("\n")) {
            int eq = line.indexOf(" = ");
            if (eq > 0) {
                String v = line.substring(eq + 3).strip();
                m.put(line.substring(0, eq).strip(), v.isEmpty() ? List.of() : List.of(v.split("\\s+")));
            }
        }
        return m;
    }

    private static String withoutSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
