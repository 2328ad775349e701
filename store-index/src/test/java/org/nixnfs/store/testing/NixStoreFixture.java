package org.nixnfs.store.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StorePath;

/**
 * A real Nix store in a temporary directory (a "chroot store": {@code nix --store <root>}), built
 * and changed with Debian's Nix 2.8 ({@code nix-bin}), offline.
 *
 * <pre>{@code
 * NixStoreFixture.requireNix();                      // fails the test when Nix is missing
 * NixStoreFixture store = NixStoreFixture.create(tempDir);
 * List<StorePath> out = store.build(NixStoreFixture.derivation("hello", "echo hi > $out"));
 * Path onDisk = store.realPath(out.get(0));          // <root>/nix/store/<hash>-hello
 * store.delete(out.get(0));
 * }</pre>
 *
 * <p>What works with Nix 2.8, found by trying: builds need {@code build-users-group} empty (no
 * {@code nixbld} group here) and no substituters (no network). For a store under another root Nix
 * always builds in its chroot, whatever {@code sandbox} says, so the builder sees only the store
 * and {@code sandbox-paths} ({@code /bin /usr /lib /lib64} here): builders must use absolute tool
 * paths such as {@code /bin/mkdir}. {@code nix-store --register-validity} is broken for such stores
 * (it looks for the path under the real /nix/store), so {@link #registerValidity} uses
 * {@code --load-db}, which writes the same database rows.
 */
public final class NixStoreFixture {
    /** Settings for every Nix command: offline, no build users, the host's /bin etc. in the chroot. */
    private static final String NIX_CONFIG = String.join("\n",
            "substituters =",
            "build-users-group =",
            "sandbox-paths = /bin /usr /lib /lib64",
            "");
    private static final long COMMAND_TIMEOUT_SECONDS = 300;

    private final Path root;
    private final Path workDir;

    private NixStoreFixture(Path root, Path workDir) {
        this.root = root;
        this.workDir = workDir;
    }

    /**
     * Fails the calling test, naming the command that installs Nix, when Nix is missing (a test
     * never installs anything, and never skips for want of a tool). Call at the start of a test
     * or in {@code @BeforeAll}.
     */
    public static void requireNix() {
        if (!onPath("nix-build")) {
            Assertions.fail("nix-build is not on the PATH: install Nix with scripts/install-deps (Debian's nix-bin)");
        }
    }

    /**
     * A new, initialised, empty store rooted at {@code dir/store-root}. {@code dir} is typically a
     * JUnit {@code @TempDir}.
     */
    public static NixStoreFixture create(Path dir) throws IOException {
        requireNix();
        Path root = dir.resolve("store-root").toAbsolutePath();
        Path work = dir.resolve("nix-work").toAbsolutePath();
        Files.createDirectories(root);
        Files.createDirectories(work);
        NixStoreFixture f = new NixStoreFixture(root, work);
        f.nix(null, "nix-store", "--init");
        return f;
    }

    /** The store root: what {@link NixDatabase#open(Path)} takes. */
    public Path storeRoot() {
        return root;
    }

    /** {@code <root>/nix/store}, where the paths' contents are. */
    public Path storeDirectory() {
        return root.resolve("nix/store");
    }

    public Path databaseFile() {
        return NixDatabase.databaseFileOf(root);
    }

    /** Where a store path's contents are on disk. */
    public Path realPath(StorePath path) {
        return storeDirectory().resolve(path.baseName());
    }

    /**
     * A Nix expression for a derivation running {@code script} with {@code /bin/sh}; the script
     * writes {@code $out}. Interpolate other derivations with {@code ${name}} in a let-expression
     * to make references.
     */
    public static String derivation(String name, String script) {
        return "derivation { name = \"" + name + "\"; system = builtins.currentSystem; builder = \"/bin/sh\";"
                + " args = [ \"-c\" " + nixString(script) + " ]; }";
    }

    /** {@code s} as a Nix string literal (with {@code ${...}} left active for interpolation). */
    public static String nixString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /**
     * Builds a Nix expression (a derivation, or a list of them) into this store.
     *
     * @return the output paths, in the order nix-build prints them (the expression's order)
     */
    public List<StorePath> build(String nixExpression) throws IOException {
        String out = nix(null, "nix-build", "--no-out-link", "-E", nixExpression);
        List<StorePath> paths = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                paths.add(parse(line.trim()));
            }
        }
        return paths;
    }

    /** Adds a file or directory to the store ({@code nix-store --add}), registering it. */
    public StorePath add(Path file) throws IOException {
        return parse(nix(null, "nix-store", "--add", file.toAbsolutePath().toString()).trim());
    }

    /** Adds a text file with this name and content to the store, registering it. */
    public StorePath addText(String name, String content) throws IOException {
        Path dir = Files.createTempDirectory(workDir, "add");
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return add(file);
    }

    /**
     * Registers an existing directory or file under the store directory as valid, with these
     * references (which must be valid already), computing its NAR hash and size with Nix.
     */
    public void registerValidity(StorePath path, List<StorePath> references) throws IOException {
        Path real = realPath(path);
        String hash = run(List.of("nix-hash", "--type", "sha256", real.toString()), nixEnv(), null).trim();
        long narSize = narSize(real);
        StringBuilder in = new StringBuilder();
        in.append(NixDbWriter.absolute(path)).append('\n').append(hash).append('\n').append(narSize).append('\n')
                .append('\n').append(references.size()).append('\n');
        for (StorePath r : references) {
            in.append(NixDbWriter.absolute(r)).append('\n');
        }
        nix(in.toString(), "nix-store", "--load-db");
    }

    /** Creates a directory with a file in the store directory without registering it. */
    public Path createUnregistered(StorePath path) throws IOException {
        Path dir = realPath(path);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("file"), "not registered\n");
        return dir;
    }

    /** Deletes paths from the store ({@code nix-store --delete}); fails if something still refers to them. */
    public void delete(StorePath... paths) throws IOException {
        List<String> args = new ArrayList<>(List.of("nix-store", "--delete"));
        for (StorePath p : paths) {
            args.add(NixDbWriter.absolute(p));
        }
        nix(null, args.toArray(new String[0]));
    }

    /** Whether Nix considers the path valid ({@code nix-store --check-validity}). */
    public boolean isValid(StorePath path) throws IOException {
        try {
            nix(null, "nix-store", "--check-validity", NixDbWriter.absolute(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs a Nix command against this store and returns its standard output.
     *
     * @throws IOException if it fails, with its output in the message
     */
    public String nix(String stdin, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.add(1, "--store");
        cmd.add(2, root.toString());
        return run(cmd, nixEnv(), stdin);
    }

    private Map<String, String> nixEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("NIX_CONFIG", NIX_CONFIG);
        // Nix keeps some state under the host's /nix/var/nix even for a chroot store unless told
        // otherwise; keep it all inside the store root.
        env.put("NIX_STATE_DIR", root.resolve("nix/var/nix").toString());
        env.put("XDG_CACHE_HOME", workDir.resolve("cache").toString());
        env.put("TMPDIR", workDir.toString());
        return env;
    }

    private long narSize(Path real) throws IOException {
        Process p = new ProcessBuilder("nix-store", "--dump", real.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long n;
        try (InputStream in = p.getInputStream()) {
            n = in.transferTo(OutputStream.nullOutputStream());
        }
        await(p, List.of("nix-store", "--dump", real.toString()));
        if (p.exitValue() != 0) {
            throw new IOException("nix-store --dump " + real + " failed with exit code " + p.exitValue());
        }
        return n;
    }

    private static StorePath parse(String absolute) {
        return StorePath.parseAbsolute("/nix/store", absolute)
                .orElseThrow(() -> new IllegalStateException("Nix printed something that is not a store path: " + absolute));
    }

    private static String run(List<String> cmd, Map<String, String> env, String stdin) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("NIX_REMOTE"); // always the local store, never a daemon
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> err = readAsync(p.getErrorStream());
        CompletableFuture<String> out = readAsync(p.getInputStream());
        try (var w = p.getOutputStream()) {
            if (stdin != null) {
                w.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        await(p, cmd);
        String stdout = out.join();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed with exit code " + p.exitValue()
                    + ":\n" + err.join() + stdout);
        }
        return stdout;
    }

    private static void await(Process p, List<String> cmd) throws IOException {
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " timed out");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", cmd), e);
        }
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static boolean onPath(String program) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
