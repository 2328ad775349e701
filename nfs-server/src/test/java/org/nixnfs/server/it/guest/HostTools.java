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
import org.junit.jupiter.api.Assumptions;

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

    /**
     * Why apt cannot be used here at all, or null when it can: no apt-get/dpkg-query (not a
     * Debian-like system), or neither root nor a sudo to become it.
     */
    static String aptUnusable() {
        if (!onPath("apt-get") || !onPath("dpkg-query")) {
            return "apt-get/dpkg-query not found on PATH (not a Debian system)";
        }
        if (!"root".equals(System.getProperty("user.name")) && !onPath("sudo")) {
            return "not root and no sudo";
        }
        return null;
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
     * Makes sure Debian packages are installed, with scripts/install-deps (which serialises
     * concurrent installs and waits for the dpkg lock).
     *
     * <p>Failing versus skipping: a test whose tools cannot be installed FAILS, because a
     * skipped real-client test is easy to overlook and would let the check silently vanish from
     * CI (a broken mirror, a renamed package, a lock held too long are all things someone must
     * fix). It is skipped only when apt is unusable as such (no apt-get, or no root): then the
     * machine simply cannot run it, and failing would only make the suite unusable there.
     */
    public static void requirePackages(String... packages) throws InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String p : packages) {
            if (!installed(p)) {
                missing.add(p);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String why = aptUnusable();
        Assumptions.assumeTrue(why == null, () -> "cannot install " + missing + ": " + why);
        List<String> cmd = new ArrayList<>();
        cmd.add(repoRoot().resolve("scripts/install-deps").toString());
        cmd.addAll(missing);
        try (HostProcess p = HostProcess.start("install-deps", cmd, repoRoot())) {
            int rc = p.await(Duration.ofMinutes(15));
            if (rc != 0) {
                fail("could not install " + missing + " (apt is usable, so this is a failure, not a skip): "
                        + p.failureReport(rc));
            }
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
     * {@code NixnfsServer.Config.storeRoot} wants). make-demo-store installs nix-bin when it is
     * missing; here that goes through {@link #requirePackages} first, with its fail-or-skip rule.
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
    static void deleteTree(Path dir) {
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
