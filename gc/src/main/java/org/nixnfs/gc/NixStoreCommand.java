package org.nixnfs.gc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.process.NixEnvironment;
import org.nixnfs.store.process.ProcessRunner;

/**
 * Runs Nix's own {@code nix-store} for the two things GC needs from Nix: the GC roots, and
 * deleting paths. Deleting through Nix (never {@code rm -rf}) keeps the database consistent, and
 * Nix itself refuses to delete anything that is still referenced or rooted.
 *
 * <p>For a chroot store (a store root other than "/") every call gets {@code --store <root>} and
 * that store's state directory, as the tests' and the demo store's Nix calls do.
 */
public final class NixStoreCommand {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final Path storeRoot;
    private final String nixStore;

    /**
     * @param storeRoot the store root ("/" for the system store)
     * @param nixStore  the {@code nix-store} executable (a name on PATH or a path)
     */
    public NixStoreCommand(Path storeRoot, String nixStore) {
        this.storeRoot = storeRoot.toAbsolutePath().normalize();
        this.nixStore = nixStore;
    }

    private boolean chroot() {
        return NixEnvironment.isChroot(storeRoot);
    }

    private ProcessRunner.Output run(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(nixStore);
        if (chroot()) {
            cmd.add("--store");
            cmd.add(storeRoot.toString());
        }
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        NixEnvironment.forStore(storeRoot, pb.environment(), true);
        return ProcessRunner.run(pb, TIMEOUT, "is Nix installed? see --nix-store");
    }

    /** {@code nix-store --gc --print-roots}: every root and the store path it keeps. */
    public List<GcRoot> roots() throws IOException {
        ProcessRunner.Output r = run(List.of("--gc", "--print-roots"));
        if (r.exitCode() != 0) {
            throw new IOException("nix-store --gc --print-roots failed (" + r.exitCode() + "): " + r.stderr().strip());
        }
        List<GcRoot> roots = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            int arrow = line.lastIndexOf(" -> ");
            if (arrow < 0) {
                continue;
            }
            Optional<StorePath> target = StorePath.parseAbsolute(StorePath.STORE_DIR, line.substring(arrow + 4).strip());
            if (target.isEmpty()) {
                continue;
            }
            Path link = Path.of(line.substring(0, arrow).strip());
            boolean rules = GcRoot.isRulesNixpkgsLink(link);
            Instant modified = Instant.EPOCH;
            if (rules) {
                try {
                    modified = Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toInstant();
                } catch (IOException e) {
                    continue; // removed since Nix listed it
                }
            }
            roots.add(new GcRoot(link, target.get(), rules, modified));
        }
        return roots;
    }

    /** The outcome of deleting a batch. */
    public record DeleteResult(boolean ok, String message) {
    }

    /** {@code nix-store --delete} of these paths; Nix refuses if any is still alive. */
    public DeleteResult delete(List<StorePath> paths) throws IOException {
        List<String> args = new ArrayList<>();
        args.add("--delete");
        for (StorePath p : paths) {
            args.add(p.fullPath());
        }
        ProcessRunner.Output r = run(args);
        String msg = (r.stderr().strip() + "\n" + r.stdout().strip()).strip();
        return new DeleteResult(r.exitCode() == 0, msg);
    }

    public Path storeRoot() {
        return storeRoot;
    }
}
