package org.nixnfs.server.cli;

import picocli.CommandLine;

/** A count that must be at least 1 (a limit of 0 would refuse everyone; a negative one is a mistake). */
final class PositiveIntConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String s) {
        int n;
        try {
            n = Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a whole number: " + s);
        }
        if (n < 1) {
            throw new CommandLine.TypeConversionException("must be at least 1, not " + n);
        }
        return n;
    }
}
