package org.nixnfs.server.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.gc.ColdTier;
import org.nixnfs.server.FaultInConfig;
import picocli.CommandLine.Option;

/** Fault-in from binary caches and GC's cold tier (options of {@code serve}). */
final class FaultInOptions {
    @Option(names = "--substituters", paramLabel = "URL", arity = "1..*",
            description = "Binary caches a missing store path is fetched from when an executor looks it up (through Nix, "
                    + "which checks signatures). Default: none; when exporting this machine's store (/), its Nix "
                    + "configuration's substituters. 'none' turns fault-in off.")
    List<String> substituters;

    @Option(names = "--trusted-public-keys", paramLabel = "KEY", arity = "1..*",
            description = "Keys whose signatures Nix accepts on fetched paths. Default: none; for this machine's store, "
                    + "its Nix configuration's.")
    List<String> trustedPublicKeys;

    @Option(names = "--max-fetch-size", paramLabel = "SIZE", defaultValue = "4G", converter = SizeConverter.class,
            description = "A path whose fetch would add more (NAR size of the paths of its closure not in the store yet) "
                    + "is not fetched, and is logged. Default: ${DEFAULT-VALUE}.")
    long maxFetchSize;

    @Option(names = "--fetch-negative-ttl", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long \"no cache has it\" (or \"the caches failed\") is remembered. Default: ${DEFAULT-VALUE}.")
    Duration negativeTtl;

    @Option(names = "--fetch-hold", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "A LOOKUP of a path being fetched waits this long for it (on a worker thread, at most 4 at once) "
                    + "before it is answered NFS4ERR_DELAY (the client retries); 0: DELAY at once. Default: ${DEFAULT-VALUE}.")
    Duration hold;

    @Option(names = "--cold-tier", paramLabel = "URL", arity = "0..1", fallbackValue = "file:///var/lib/nixnfs/cold",
            description = "Before GC deletes a path no substituter has, it copies it to this binary cache (nix copy --to); "
                    + "fault-in fetches it back from there. Without URL: ${FALLBACK-VALUE}.")
    URI coldTier;

    @Option(names = "--signing-key", paramLabel = "FILE",
            description = "Secret key (nix-store --generate-binary-cache-key) the cold tier's copies and, with "
                    + "--publish-to, published paths are signed with. Without it, published paths carry the "
                    + "signatures they have in the store.")
    Path signingKey;

    @Option(names = "--cold-keep", paramLabel = "SIZE", defaultValue = "0", converter = SizeConverter.class,
            description = "A file:// cold tier is pruned to this size after each GC run, oldest copies first; 0: unbounded. "
                    + "Default: ${DEFAULT-VALUE}.")
    long coldKeep;

    FaultInConfig config(Path storeRoot) throws IOException {
        if (coldTier != null && signingKey == null) {
            // Nix refuses unsigned input-addressed paths, so what GC copied could never come back.
            throw new IOException("--cold-tier needs --signing-key FILE (nix-store --generate-binary-cache-key): "
                    + "unsigned copies could not be fetched back");
        }
        List<String> subs = substituters;
        List<String> keys = trustedPublicKeys;
        if (subs == null && storeRoot.equals(Path.of("/"))) {
            subs = nixSetting("substituters");
            keys = keys != null ? keys : nixSetting("trusted-public-keys");
        }
        if (subs == null || subs.equals(List.of("none"))) {
            subs = List.of();
        }
        FetchSettings f = FetchSettings.defaults(subs.stream().map(URI::create).toList(), keys == null ? List.of() : keys)
                .withMaxFetchSize(maxFetchSize).withNegativeTtl(negativeTtl).withHold(hold);
        return new FaultInConfig(f, coldTier == null ? null : new ColdTier(coldTier, signingKey, coldKeep));
    }

    /** A list setting of this machine's Nix ({@code nix show-config}); empty if Nix cannot tell. */
    private static List<String> nixSetting(String name) {
        try {
            Process p = new ProcessBuilder("nix", "--extra-experimental-features", "nix-command", "show-config")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            for (String line : out.split("\n")) {
                if (line.startsWith(name + " = ")) {
                    return new ArrayList<>(Arrays.stream(line.substring(name.length() + 3).strip().split("\\s+"))
                            .filter(s -> !s.isEmpty()).toList());
                }
            }
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of();
    }
}
