package org.nixnfs.server.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.nixnfs.server.it.guest.HostTools;

/** Where the tests find run-guest, the tool that boots the Linux NFS client VM. */
final class KernelClients {
    private KernelClients() {
    }

    /** $RUN_GUEST, else run-guest beside the checkout (as CI has it), else the workplace's copy. */
    static String runGuest() {
        String env = System.getenv("RUN_GUEST");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        Path beside = HostTools.repoRoot().resolve("../shared/tools/linux-nfs-client/run-guest").normalize();
        return Files.isExecutable(beside) ? beside.toString() : "/work/shared/tools/linux-nfs-client/run-guest";
    }
}
