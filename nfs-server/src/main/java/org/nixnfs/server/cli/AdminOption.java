package org.nixnfs.server.cli;

import picocli.CommandLine.Option;

/** {@code --admin}: where the commands that work through a running server (usage, gc, pin) reach it. */
final class AdminOption {
    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = Defaults.ADMIN_LISTEN,
            description = "The running server's admin listener. Default: ${DEFAULT-VALUE}.")
    String address;

    AdminClient client() {
        return new AdminClient(address);
    }
}
