package org.nixnfs.server.it;

import org.nixnfs.server.it.guest.HostTools;

/** Where the tests find run-guest, the tool that boots the Linux NFS client VM (vm/README.md). */
final class KernelClients {
    private KernelClients() {
    }

    /** $RUN_GUEST, else the repository's vm/run-guest. */
    static String runGuest() {
        String env = System.getenv("RUN_GUEST");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        return HostTools.repoRoot().resolve("vm/run-guest").toString();
    }
}
