package org.nixnfs.server.publish;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.process.NixEnvironment;
import org.nixnfs.store.process.ProcessRunner;

/**
 * {@code nix copy --to URL PATH}: Nix copies the path and its closure to the binary cache (any
 * store URL: {@code file://}, {@code s3://}, {@code https://} of an upload-capable cache, ...),
 * skipping what is there already. With a signing key the cache's {@code secret-key} parameter
 * makes Nix sign what it uploads; without one, the signatures the paths carry in the store (from
 * the primary's {@code secret-key-files}) go along. It runs through {@link ProcessRunner}: an
 * interrupt (the publisher closing) or the timeout kills it.
 */
public final class NixCopy implements Publisher.Copier {
    private static final Duration TIMEOUT = Duration.ofMinutes(60);

    private final Path storeRoot;
    private final String target;
    private final String nix;

    /**
     * @param storeRoot  the store's root ("/" for the system store)
     * @param target     the binary cache's store URL
     * @param signingKey a Nix secret key file, or null
     * @param nix        the {@code nix} executable
     */
    public NixCopy(Path storeRoot, String target, Path signingKey, String nix) {
        this.storeRoot = storeRoot.toAbsolutePath().normalize();
        this.target = signingKey == null ? target
                : target + (target.contains("?") ? "&" : "?") + "secret-key=" + signingKey.toAbsolutePath();
        this.nix = nix;
    }

    /** The command for one path (tests and logs). */
    public List<String> command(StorePath path) {
        List<String> cmd = new ArrayList<>(List.of(nix, "--extra-experimental-features", "nix-command", "copy"));
        if (NixEnvironment.isChroot(storeRoot)) {
            cmd.addAll(List.of("--from", storeRoot.toString()));
        }
        cmd.addAll(List.of("--to", target, path.fullPath()));
        return cmd;
    }

    @Override
    public void copy(StorePath path) throws IOException {
        List<String> cmd = command(path);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        NixEnvironment.forStore(storeRoot, pb.environment(), true);
        ProcessRunner.Output o = ProcessRunner.run(pb, TIMEOUT, "is Nix installed?");
        if (!o.ok()) {
            String msg = (o.stderr().strip() + "\n" + o.stdout().strip()).strip();
            throw new IOException(String.join(" ", cmd) + " exited " + o.exitCode() + ": "
                    + msg.substring(Math.max(0, msg.length() - 2000)));
        }
    }
}
