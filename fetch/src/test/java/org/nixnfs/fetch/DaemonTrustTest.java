package org.nixnfs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nixnfs.store.process.ProcessRunner;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * The start-up check for exporting the machine's own store: from real {@code nix show-config}
 * output (configurations given through NIX_CONFIG), a user the daemon does not trust is told which
 * caches and keys it would ignore; a trusted user (by name, by group, or {@code *}), or caches and
 * keys the daemon's configuration allows anyway, give no warning.
 */
class DaemonTrustTest {
    private static final URI CACHE = URI.create("http://cache.example.com");
    private static final String KEY = "cache.example.com-1:rN2dZTWaNNRrQqDaoVHOLrrUA+SgHqhgNFQL8oZvmwM=";

    @Test
    void anUntrustedUserIsToldWhatTheDaemonWouldIgnore() throws IOException {
        List<String> problems = problems("trusted-users = root alice", "nixnfs", Set.of("nixnfs"));
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("ignore the substituter " + CACHE) && problems.get(0).contains("user nixnfs"),
                problems.get(0));
        assertTrue(problems.get(1).contains("not trust the key cache.example.com-1"), problems.get(1));
    }

    @Test
    void aTrustedUserOrAllowedCachesAreFine() throws IOException {
        assertEquals(List.of(), problems("trusted-users = root nixnfs", "nixnfs", Set.of("nixnfs")));
        assertEquals(List.of(), problems("trusted-users = root @nix-trusted", "nixnfs", Set.of("nixnfs", "nix-trusted")));
        assertEquals(List.of(), problems("trusted-users = *", "nixnfs", Set.of()));
        assertEquals(List.of(), problems(String.join("\n", "trusted-users = root", "trusted-substituters = " + CACHE + "/",
                "trusted-public-keys = " + KEY), "nixnfs", Set.of("nixnfs")));
    }

    /** What the nix-daemon would do for this user with this nix.conf, from {@code nix show-config}. */
    private static List<String> problems(String nixConf, String user, Set<String> groups) throws IOException {
        NixStoreFixture.requireNix();
        ProcessBuilder pb = new ProcessBuilder("nix", "--extra-experimental-features", "nix-command", "show-config");
        pb.environment().put("NIX_CONFIG", nixConf);
        ProcessRunner.Output o = ProcessRunner.run(pb, Duration.ofSeconds(60), "is Nix installed?");
        assertTrue(o.ok(), o.stderr());
        return DaemonTrust.problems(o.stdout(), user, groups, List.of(CACHE), List.of(KEY));
    }
}
