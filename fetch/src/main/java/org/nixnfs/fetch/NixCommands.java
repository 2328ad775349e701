package org.nixnfs.fetch;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.process.NixEnvironment;
import org.nixnfs.store.process.ProcessRunner;

/**
 * The Nix commands fault-in and the cold tier need, run as processes with a timeout (a process
 * that overruns is killed; Nix registers what it fetched atomically, so nothing half-made is
 * left): fetch a path's closure from binary caches ({@code nix-store --realise} with the
 * configured substituters and keys; Nix verifies signatures), ask a cache for a closure's paths
 * and sizes ({@code nix path-info -r}), copy a closure to a binary cache ({@code nix copy --to}). They run
 * through {@link ProcessRunner}; a timeout is its {@link ProcessRunner.TimedOutException}.
 *
 * <p>For a chroot store (a store root other than "/") every call gets {@code --store <root>}
 * and that store's state directory, as the GC's nix-store calls do.
 */
public final class NixCommands {
    private static final Pattern PATH_FIELD = Pattern.compile("\"path\":\"([^\"]+)\"");
    private static final Pattern NAR_SIZE_FIELD = Pattern.compile("\"narSize\":(\\d+)");
    private static final Pattern NUMBER_FIELD = Pattern.compile("\"(narSize|closureSize)\":(\\d+)");

    private final Path storeRoot;
    private final String nixStore;
    private final String nix;

    /**
     * @param storeRoot the store root ("/" for the system store)
     * @param nixStore  the {@code nix-store} executable
     * @param nix       the {@code nix} executable
     */
    public NixCommands(Path storeRoot, String nixStore, String nix) {
        this.storeRoot = storeRoot.toAbsolutePath().normalize();
        this.nixStore = nixStore;
        this.nix = nix;
    }

    public static NixCommands forStore(Path storeRoot) {
        return new NixCommands(storeRoot, "nix-store", "nix");
    }

    private boolean chroot() {
        return NixEnvironment.isChroot(storeRoot);
    }

    /** A command's exit code and output. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Nix's error line if there is one, else the last line of its output. */
        public String errorLine() {
            String[] lines = (stderr.strip() + "\n" + stdout.strip()).strip().split("\n");
            for (String l : lines) {
                if (l.startsWith("error:")) {
                    return l;
                }
            }
            return lines[lines.length - 1];
        }
    }

    /** What a binary cache says about a path: its own NAR size and its closure's. */
    public record PathInfo(long narSize, long closureSize) {
    }

    /**
     * {@code nix path-info --json -S --store <cacheUrl> <path>}: the path's size and its closure's
     * as the cache describes them; empty if the cache does not have it.
     */
    public Optional<PathInfo> pathInfo(String cacheUrl, StorePath path, Duration timeout) throws IOException {
        Result r = run(List.of(nix, "--extra-experimental-features", "nix-command", "path-info", "--json", "-S",
                "--store", cacheUrl, path.fullPath()), timeout, false);
        if (!r.ok()) {
            if (r.stderr().contains("don't know how to build") || r.stderr().contains("is not valid")) {
                return Optional.empty();
            }
            throw new IOException("nix path-info failed: " + r.errorLine());
        }
        if (r.stdout().contains("\"valid\":false")) {
            return Optional.empty();
        }
        long nar = -1;
        long closure = -1;
        Matcher m = NUMBER_FIELD.matcher(r.stdout());
        while (m.find()) {
            long v = Long.parseLong(m.group(2));
            if (m.group(1).equals("narSize")) {
                nar = v;
            } else {
                closure = v;
            }
        }
        if (nar < 0) {
            throw new IOException("nix path-info printed no narSize: " + r.stdout().strip());
        }
        return Optional.of(new PathInfo(nar, closure < 0 ? nar : closure));
    }

    /**
     * {@code nix path-info --json -r --store <cacheUrl> <path>}: every path of the closure with its NAR
     * size, as the cache describes them; empty if the cache does not have the path.
     */
    public Optional<Map<StorePath, Long>> closure(String cacheUrl, StorePath path, Duration timeout) throws IOException {
        Result r = run(List.of(nix, "--extra-experimental-features", "nix-command", "path-info", "--json", "-r",
                "--store", cacheUrl, path.fullPath()), timeout, false);
        if (!r.ok()) {
            if (r.stderr().contains("don't know how to build") || r.stderr().contains("is not valid")) {
                return Optional.empty();
            }
            throw new IOException("nix path-info -r failed: " + r.errorLine());
        }
        Map<StorePath, Long> sizes = new LinkedHashMap<>();
        for (String object : topLevelObjects(r.stdout())) {
            if (object.contains("\"valid\":false")) {
                return Optional.empty();
            }
            Matcher p = PATH_FIELD.matcher(object);
            Matcher n = NAR_SIZE_FIELD.matcher(object);
            Optional<StorePath> sp = p.find() ? StorePath.parse(p.group(1)) : Optional.empty();
            if (sp.isEmpty() || !n.find()) {
                throw new IOException("nix path-info -r printed a path without path or narSize: " + object);
            }
            sizes.put(sp.get(), Long.parseLong(n.group(1)));
        }
        if (!sizes.containsKey(path)) {
            throw new IOException("nix path-info -r did not describe " + path + ": " + r.stdout().strip());
        }
        return Optional.of(sizes);
    }

    /** The objects of a JSON array of objects, as text ({@code nix path-info --json} prints no nested objects). */
    static List<String> topLevelObjects(String json) {
        List<String> objects = new ArrayList<>();
        int depth = 0;
        int start = -1;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' && depth++ == 0) {
                start = i;
            } else if (c == '}' && --depth == 0) {
                objects.add(json.substring(start, i + 1));
            }
        }
        return objects;
    }

    /**
     * Fetches a path and its closure into the store from these binary caches, trusting these
     * keys ({@code nix-store --realise}). Nix's negative narinfo cache is off for the call: our
     * own check just found the path, whatever Nix remembered from an hour ago.
     */
    public Result realise(StorePath path, List<URI> substituters, List<String> trustedKeys, Duration timeout)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(nixStore));
        storeArgs(cmd);
        cmd.addAll(List.of("--realise", path.fullPath(),
                "--option", "substituters", String.join(" ", substituters.stream().map(URI::toString).toList()),
                "--option", "trusted-public-keys", String.join(" ", trustedKeys),
                "--option", "narinfo-cache-negative-ttl", "0"));
        return run(cmd, timeout, true);
    }

    /** Copies a path and its closure to a binary cache ({@code nix copy --to}), signing when the URL says so. */
    public Result copyTo(String cacheUrl, List<StorePath> paths, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(nix, "--extra-experimental-features", "nix-command"));
        storeArgs(cmd);
        cmd.addAll(List.of("copy", "--to", cacheUrl));
        paths.forEach(p -> cmd.add(p.fullPath()));
        return run(cmd, timeout, true);
    }

    private void storeArgs(List<String> cmd) {
        if (chroot()) {
            cmd.add("--store");
            cmd.add(storeRoot.toString());
        }
    }

    private Result run(List<String> cmd, Duration timeout, boolean localStore) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        NixEnvironment.forStore(storeRoot, pb.environment(), localStore);
        ProcessRunner.Output o = ProcessRunner.run(pb, timeout, "is Nix installed?");
        return new Result(o.exitCode(), o.stdout(), o.stderr());
    }

    public Path storeRoot() {
        return storeRoot;
    }
}
