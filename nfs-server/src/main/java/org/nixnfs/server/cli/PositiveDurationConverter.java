package org.nixnfs.server.cli;

import java.time.Duration;
import picocli.CommandLine;

/** A {@link DurationConverter duration} of at least a millisecond: a timeout that never fires is not what was asked for. */
final class PositiveDurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String s) {
        Duration d = DurationConverter.parse(s);
        if (d.toMillis() < 1) {
            throw new CommandLine.TypeConversionException("must be positive, not " + s);
        }
        return d;
    }
}
