package org.nixnfs.store.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NixEnvironmentTest {
    @Test
    void theSystemStoreRunsInOurEnvironment() {
        Map<String, String> env = new HashMap<>();
        NixEnvironment.forStore(Path.of("/"), env, true);
        assertTrue(env.isEmpty());
        assertFalse(NixEnvironment.isChroot(Path.of("/")));
    }

    @Test
    void aChrootStoreGetsItsStateDirectoryAndNoSubstitutersOrBuildUsers() {
        Map<String, String> env = new HashMap<>();
        NixEnvironment.forStore(Path.of("/srv/store"), env, true);
        assertEquals(Map.of("NIX_STATE_DIR", "/srv/store/nix/var/nix",
                "NIX_CONFIG", "substituters =\nbuild-users-group =\n"), env);
        assertTrue(NixEnvironment.isChroot(Path.of("/srv/store")));
    }

    @Test
    void aCommandThatOnlyTalksToACacheGetsNoStateDirectoryAndTheUsersConfigWins() {
        Map<String, String> env = new HashMap<>(Map.of("NIX_CONFIG", "substituters = https://cache.example\n"));
        NixEnvironment.forStore(Path.of("/srv/store"), env, false);
        assertEquals(Map.of("NIX_CONFIG", "substituters = https://cache.example\n"), env);
    }
}
