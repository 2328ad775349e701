package org.nixnfs.server.it.guest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The repository's scripts, the Debian packages they need, and the demo store, for the real-client tests. */
public final class HostTools {
    private static Path demoStoreRoot;

    private HostTools() {
    }

    /** The checkout's root: the first directory, from the working directory up, that holds scripts/make-demo-store. */
    public static Path repoRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("scripts/make-demo-store"))) {
                return d;
            }
        }
        throw new IllegalStateException("no scripts/make-demo-store above " + Path.of("").toAbsolutePath());
    }

    /** nfs-server/src/test/guest in the checkout. */
    public static Path guestDir() {
        return repoRoot().resolve("nfs-server/src/test/guest");
    }

    static boolean onPath(String command) {
        for (String d : HostProcess.withSbin(System.getenv().getOrDefault("PATH", "/usr/bin:/bin")).split(":")) {
            if (!d.isEmpty() && new File(d, command).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fails the calling test, naming the command that installs them, unless these Debian
     * packages are installed. scripts/install-deps installs every package the tests need before
     * they run; a test never installs anything, and never skips for want of a tool (a skipped
     * check vanishes quietly from CI).
     */
    public static void requirePackages(String... packages) throws InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String p : packages) {
            if (!installed(p)) {
                missing.add(p);
            }
        }
        if (!missing.isEmpty()) {
            fail("Debian packages " + missing + " are missing: run scripts/install-deps");
        }
    }

    static boolean installed(String pkg) throws InterruptedException {
        if (!onPath("dpkg-query")) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", pkg)
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 && out.contains("install ok installed");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The demo store (scripts/make-demo-store), built once per test JVM into a temporary
     * directory: returns the chroot store's root, which holds nix/store and nix/var/nix/db (what
     * {@code NixnfsServer.Config.storeRoot} wants). Fails when nix-bin is missing.
     */
    public static synchronized Path demoStoreRoot() throws IOException, InterruptedException {
        if (demoStoreRoot == null) {
            requirePackages("nix-bin");
            Path dir = Files.createTempDirectory("nixnfs-demo-store");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            try (HostProcess p = HostProcess.start("make-demo-store",
                    List.of(repoRoot().resolve("scripts/make-demo-store").toString(), dir.toString()), repoRoot())) {
                int rc = p.await(Duration.ofMinutes(10));
                if (rc != 0) {
                    fail("scripts/make-demo-store " + dir + " failed: " + p.failureReport(rc));
                }
            }
            demoStoreRoot = dir;
        }
        return demoStoreRoot;
    }

    /** Deletes a store built by a test; Nix leaves its directories read-only (root may delete them anyway). */
    public static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)).forEach(d -> d.toFile().setWritable(true, true));
        } catch (IOException e) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover temporary directory harms nobody
                }
            });
        } catch (IOException e) {
            // same
        }
    }
}
