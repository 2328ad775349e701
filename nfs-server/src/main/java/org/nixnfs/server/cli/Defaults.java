package org.nixnfs.server.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.NixDatabaseException;
import picocli.CommandLine;

/** The embedded defaults: where state lives, which store to serve, how executors should mount. */
final class Defaults {
    /**
     * Mount options for executors: read-only, hard mounts; negative lookups cached too (always
     * right inside a store path, and most of a compile's lookups; a path asked for before it was
     * pushed is seen once the store directory's 1 s attribute cache expires); long attribute
     * caching for files (store content never changes) but short for directories (the store
     * directory does); no atime (meaningless in a read-only store, and asking for it costs a
     * GETATTR per file read under a delegation).
     */
    static final String RECOMMENDED_MOUNT_OPTIONS =
            "ro,hard,proto=tcp,lookupcache=all,acregmin=60,acregmax=3600,acdirmin=1,acdirmax=1,noatime";

    /** Where {@code serve} puts the admin listener, and where the other commands look for it. */
    static final String ADMIN_LISTEN = "127.0.0.1:9100";

    private Defaults() {
    }

    static Path stateDir() {
        String env = System.getenv("NIXNFS_STATE_DIR");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        return home().resolve(".state").toAbsolutePath().normalize();
    }

    /**
     * This machine's store (root {@code /}) if it has valid paths, else the demo store, built on
     * first use; says in one line why it falls back.
     */
    static Path storeRoot(Path stateDir) throws IOException, InterruptedException {
        return storeRoot(Path.of("/"), stateDir, home(), System.err);
    }

    /**
     * {@link #storeRoot(Path)} for a machine whose root is {@code machineRoot}, with the demo store
     * built by {@code home}'s scripts/make-demo-store, and the one line saying why to {@code say}.
     */
    static Path storeRoot(Path machineRoot, Path stateDir, Path home, PrintStream say)
            throws IOException, InterruptedException {
        String why = whyNotServe(machineRoot);
        if (why == null) {
            return machineRoot;
        }
        return demoStore(stateDir, why + "; serving the demo store instead", home, say);
    }

    /**
     * Why the store rooted at {@code root} is not worth serving by default, or null when it is:
     * it has no store or no Nix database, or its database holds no valid path (any Nix command
     * run without {@code --store} creates an empty {@code /nix}). A database that cannot be read
     * is served all the same, so that the server reports the error instead of hiding it.
     */
    static String whyNotServe(Path root) {
        Path store = root.resolve("nix/store");
        if (!Files.isDirectory(store) || !Files.isRegularFile(NixDatabase.databaseFileOf(root))) {
            return "no Nix store at " + store;
        }
        try {
            if (NixDatabase.open(root).load().size() == 0) {
                return store + " holds no valid path";
            }
        } catch (NixDatabaseException e) {
            return null;
        }
        return null;
    }

    /** The demo store under the state directory, built (or found up to date) by scripts/make-demo-store. */
    static Path demoStore(Path stateDir, String why) throws IOException, InterruptedException {
        return demoStore(stateDir, why, home(), System.err);
    }

    private static Path demoStore(Path stateDir, String why, Path home, PrintStream say)
            throws IOException, InterruptedException {
        Path demo = stateDir.resolve("demo-store");
        Path script = home.resolve("scripts/make-demo-store");
        if (!Files.isExecutable(script)) {
            throw new CommandLine.ParameterException(new CommandLine(new ServeCommand()),
                    why + ", but there is no " + script + " to build it; pass --store-root");
        }
        say.println("nixnfs: " + why + " (" + demo + ", built on first use)");
        Process p = new ProcessBuilder(script.toString(), demo.toString())
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        if (p.waitFor() != 0) {
            throw new IOException(script + " failed with exit code " + p.exitValue());
        }
        return demo;
    }

    /** The nixnfs checkout the launcher runs from ({@code $NIXNFS_HOME}), else the working directory. */
    private static Path home() {
        String home = System.getenv("NIXNFS_HOME");
        return Path.of(home != null ? home : ".");
    }

    static InetSocketAddress parseListen(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen wants HOST:PORT, got " + hostPort);
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }
}
