package org.nixnfs.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code nixnfs} command: one picocli subcommand per verb. */
@Command(name = "nixnfs", mixinStandardHelpOptions = true, version = "nixnfs 0.1.0",
        description = "A read-only NFSv4 server that exports a Nix store to remote build executors.",
        subcommands = {ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
