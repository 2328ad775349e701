package org.nixnfs.server.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Sizes as operators write them: {@code 4G}, {@code 500M}, {@code 100K}, or bytes (binary units). */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        if (t.isEmpty()) {
            throw new CommandLine.TypeConversionException("empty size");
        }
        char unit = t.charAt(t.length() - 1);
        int shift = switch (unit) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a size: " + s + " (try 4G, 500M)");
        }
    }
}
