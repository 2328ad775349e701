package org.nixnfs.store.process;

import java.nio.file.Path;
import java.util.Map;

/**
 * The environment of nixnfs's Nix commands on a chroot store (a store root other than "/": the
 * demo store, the tests' stores): the store's own state directory, and no substituters or build
 * users unless the user's {@code NIX_CONFIG} says otherwise (a chroot store has no build users,
 * and fetching is fault-in's to decide). The system store's commands run in nixnfs's environment.
 */
public final class NixEnvironment {
    private NixEnvironment() {
    }

    /** Whether {@code storeRoot} (absolute, normalised) is a chroot store, not the system store. */
    public static boolean isChroot(Path storeRoot) {
        return !storeRoot.equals(Path.of("/"));
    }

    /**
     * Sets up {@code env} for a Nix command on the store at {@code storeRoot}.
     *
     * @param opensStore whether the command opens that store's database (false for one that only
     *                   talks to a binary cache, e.g. {@code nix path-info --store <cache>})
     */
    public static void forStore(Path storeRoot, Map<String, String> env, boolean opensStore) {
        if (!isChroot(storeRoot)) {
            return;
        }
        if (opensStore) {
            env.put("NIX_STATE_DIR", storeRoot.resolve("nix/var/nix").toString());
        }
        env.putIfAbsent("NIX_CONFIG", "substituters =\nbuild-users-group =\n");
    }
}
