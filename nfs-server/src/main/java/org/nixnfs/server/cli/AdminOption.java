package org.nixnfs.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.nixnfs.server.admin.AdminToken;
import picocli.CommandLine.Option;

/**
 * {@code --admin} and {@code --admin-token-file}: where the commands that work through a running
 * server (usage, gc, pin) reach it, and the token its GC, pin and usage endpoints may require.
 */
final class AdminOption {
    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = Defaults.ADMIN_LISTEN,
            description = "The running server's admin listener. Default: ${DEFAULT-VALUE}.")
    String address;

    @Option(names = "--admin-token-file", paramLabel = "FILE", defaultValue = "${env:NIXNFS_ADMIN_TOKEN_FILE}",
            description = "The server's --admin-token-file, sent as a bearer token (GC runs, pins and usage need it when the "
                    + "server has one). Default: $NIXNFS_ADMIN_TOKEN_FILE.")
    Path tokenFile;

    AdminClient client() throws IOException {
        return new AdminClient(address, tokenFile == null ? null : AdminToken.read(tokenFile));
    }
}
