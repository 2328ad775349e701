package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve --delegations on|off}: on by default; anything else is a clear error. */
class DelegationsOptionTest {
    static ServeCommand parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve;
    }

    @Test
    void onByDefaultAndOff() {
        assertTrue(parse().delegations.on());
        assertTrue(parse("--delegations", "on").delegations.on());
        assertFalse(parse("--delegations", "off").delegations.on());
    }

    @Test
    void anythingElseIsRefused() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--delegations", "maybe"));
        assertTrue(e.getMessage().contains("'maybe' is neither on nor off"), e.getMessage());
    }
}
