package org.nixnfs.server.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Durations as operators write them: {@code 14d}, {@code 1h}, {@code 30m}, {@code 90s}, or ISO-8601 ({@code P14D}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String s) {
        return parse(s);
    }

    static Duration parse(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        if (t.isEmpty()) {
            throw new CommandLine.TypeConversionException("empty duration");
        }
        char unit = t.charAt(t.length() - 1);
        long n;
        try {
            n = Long.parseLong(Character.isDigit(unit) ? t : t.substring(0, t.length() - 1));
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a duration: " + s + " (try 14d, 1h, 30m, 90s)");
        }
        return switch (unit) {
            case 'd' -> Duration.ofDays(n);
            case 'h' -> Duration.ofHours(n);
            case 'm' -> Duration.ofMinutes(n);
            case 's' -> Duration.ofSeconds(n);
            default -> {
                if (Character.isDigit(unit)) {
                    yield Duration.ofSeconds(n);
                }
                throw new CommandLine.TypeConversionException("unknown unit in " + s + " (d, h, m or s)");
            }
        };
    }
}
