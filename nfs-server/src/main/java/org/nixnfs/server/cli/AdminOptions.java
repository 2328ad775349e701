package org.nixnfs.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.nixnfs.server.admin.AdminToken;
import picocli.CommandLine.Option;

/** How the usage, gc and pin commands reach the running server's admin API. */
final class AdminOptions {
    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9100",
            description = "The running server's admin listener. Default: ${DEFAULT-VALUE}.")
    String admin;

    @Option(names = "--admin-token-file", paramLabel = "FILE", defaultValue = "${env:NIXNFS_ADMIN_TOKEN_FILE}",
            description = "The server's --admin-token-file, sent as a bearer token (GC runs and pins need it when the "
                    + "server has one). Default: $NIXNFS_ADMIN_TOKEN_FILE.")
    Path tokenFile;

    AdminClient client() throws IOException {
        return new AdminClient(admin, tokenFile == null ? null : AdminToken.read(tokenFile));
    }
}
