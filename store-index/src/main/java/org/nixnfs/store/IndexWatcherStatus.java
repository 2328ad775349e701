package org.nixnfs.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What an {@link IndexWatcher} has been doing, for health checks and metrics.
 *
 * @param pathCount           valid paths in the index being served
 * @param lastSuccess         when the database was last read successfully (changed or not)
 * @param lastChange          when a changed index was last swapped in
 * @param lastRefreshDuration how long the last successful read of changes took
 * @param lastVisibilityLag   for the last change: from the commit to the swap; the commit's time
 *                            is the newest modification of the database files seen when the read
 *                            began (file-timestamp precision, never before the commit)
 * @param refreshes           successful checks for commits (every poll and notification),
 *                            including ones that found nothing new
 * @param fullReloads         of those, reads of the whole database
 * @param failures            failed reads
 * @param consecutiveFailures failed reads since the last success (0 when healthy)
 * @param failingSince        first failure of the current failure streak, if failing
 * @param lastError           message of the most recent failure, if any ever happened
 * @param lastErrorTime       when it happened
 * @param fileWatchActive     whether change notifications (inotify) are in use, not just polling
 */
public record IndexWatcherStatus(
        int pathCount,
        Instant lastSuccess,
        Optional<Instant> lastChange,
        Duration lastRefreshDuration,
        Optional<Duration> lastVisibilityLag,
        long refreshes,
        long fullReloads,
        long failures,
        int consecutiveFailures,
        Optional<Instant> failingSince,
        Optional<String> lastError,
        Optional<Instant> lastErrorTime,
        boolean fileWatchActive) {

    public boolean healthy() {
        return consecutiveFailures == 0;
    }

    /**
     * How long the served index may have been behind the database: zero while reads succeed,
     * else the time since the current failure streak began.
     */
    public Duration staleness(Instant now) {
        return failingSince.map(t -> Duration.between(t, now)).orElse(Duration.ZERO);
    }
}
