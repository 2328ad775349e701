package org.nixnfs.server.cli;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code nixnfs} command: one picocli subcommand per verb. */
@Command(name = "nixnfs", mixinStandardHelpOptions = true, version = "nixnfs 0.1.0",
        description = "A read-only NFSv4 server that exports a Nix store to remote build executors.",
        subcommands = {ServeCommand.class, UsageCommand.class, GcCommand.class, PinCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::explain);
        System.exit(cli.execute(args));
    }

    /** Expected failures get one clear line, not a stack trace. */
    private static int explain(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        String message;
        if (e instanceof BindException) {
            message = "cannot listen: " + e.getMessage()
                    + " (is another NFS server running? ports below 1024 need root; try --listen 0.0.0.0:20490)";
        } else if (e instanceof NoSuchFileException) {
            message = "no such file: " + e.getMessage();
        } else if (e instanceof IOException || e instanceof IllegalArgumentException) {
            message = e.getMessage(); // NixDatabaseException included; IllegalArgumentException: a refused setting
        } else {
            throw e;
        }
        cmd.getErr().println("nixnfs: " + message);
        return 1;
    }
}
