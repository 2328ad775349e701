package org.nixnfs.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nixnfs pin|unpin PATH}: keep a store path (and its closure) whatever GC's policy says. */
@Command(name = "pin", mixinStandardHelpOptions = true,
        description = "Pin store paths against GC (with their closures), or unpin them with --remove; without paths, list the pins.")
public final class PinCommand implements Callable<Integer> {
    @Parameters(paramLabel = "STORE_PATH", arity = "0..*", description = "e.g. /nix/store/<hash>-clang-wrapper-16.0.6")
    java.util.List<String> paths = new java.util.ArrayList<>();

    @Option(names = "--remove", description = "Unpin instead.")
    boolean remove;

    @picocli.CommandLine.Mixin
    AdminOptions admin = new AdminOptions();

    @Override
    public Integer call() throws Exception {
        AdminClient client = admin.client();
        if (paths.isEmpty()) {
            client.getJson("/api/v1/pins").get("pins").forEach(p -> System.out.println(p.asText()));
            return 0;
        }
        int rc = 0;
        for (String p : paths) {
            String base = p.startsWith("/nix/store/") ? p.substring("/nix/store/".length()) : p;
            AdminClient.Response r = client.send(remove ? "DELETE" : "POST", "/api/v1/pins/" + base);
            System.out.println(r.body().strip());
            if (r.status() >= 400) {
                rc = 1;
            }
        }
        return rc;
    }
}
