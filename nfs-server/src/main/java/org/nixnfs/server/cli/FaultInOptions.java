package org.nixnfs.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.nixnfs.server.FaultInConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Fault-in from binary caches and GC's cold tier (options of {@code serve}): the caches, and the fetch limits. */
final class FaultInOptions {
    @Mixin
    CacheOptions caches = new CacheOptions();

    @Option(names = "--max-fetch-size", paramLabel = "SIZE", defaultValue = "4G", converter = SizeConverter.class,
            description = "A path whose fetch would add more (NAR size of the paths of its closure not in the store yet) "
                    + "is not fetched, and is logged. Default: ${DEFAULT-VALUE}.")
    long maxFetchSize;

    @Option(names = "--fetch-negative-ttl", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long \"no cache has it\" (or \"the caches failed\") is remembered. Default: ${DEFAULT-VALUE}.")
    Duration negativeTtl;

    @Option(names = "--fetch-hold", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "A LOOKUP of a path being fetched waits this long for it (on a worker thread, at most 4 at once) "
                    + "before it is answered NFS4ERR_DELAY (the client retries); 0: DELAY at once. Default: ${DEFAULT-VALUE}.")
    Duration hold;

    FaultInConfig config(Path storeRoot) throws IOException {
        FaultInConfig c = caches.config(storeRoot);
        return new FaultInConfig(c.fetch().withMaxFetchSize(maxFetchSize).withNegativeTtl(negativeTtl).withHold(hold),
                c.coldTier());
    }
}
