package org.nixnfs.server;

import java.nio.file.Path;
import java.time.Duration;
import org.nixnfs.server.net.AllowList;
import org.nixnfs.server.nfs4.state.StateLimits;

/**
 * What protects the server from the network (README, "Security"): who may connect, how much one
 * client may hold, and what guards the admin API.
 *
 * @param allow                   client networks that may connect; others are closed at accept
 * @param requirePrivilegedPort   refuse clients whose source port is 1024 or above (knfsd's {@code secure})
 * @param maxConnectionsPerClient connections one client address may hold open at once
 * @param stalledRecordTimeout    a connection that sent part of a record and then nothing for this long is closed
 * @param idleTimeout             a connection silent both ways, with no call in flight, for this long is closed
 * @param replyTimeout            a connection whose client takes none of its pending replies for this long is closed
 * @param stateLimits             NFSv4 state the clients may hold, each and together
 * @param adminTokenFile          file holding the bearer token of the admin API's mutating
 *                                endpoints; null for none, which only a loopback admin listener may have
 */
public record SecuritySettings(AllowList allow, boolean requirePrivilegedPort, int maxConnectionsPerClient,
                               Duration stalledRecordTimeout, Duration idleTimeout, Duration replyTimeout,
                               StateLimits stateLimits, Path adminTokenFile) {
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 64;
    public static final Duration DEFAULT_STALLED_RECORD_TIMEOUT = Duration.ofSeconds(30);
    /** knfsd closes a connection idle for 6 minutes; a client that still holds state reconnects. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(6);
    /** Long enough for a client that is only slow (a busy executor); short enough not to hoard replies. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofMinutes(2);

    public static SecuritySettings defaults() {
        return builder().build();
    }

    /** Starts from the defaults; each setter overrides one setting. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return builder().allow(allow).requirePrivilegedPort(requirePrivilegedPort)
                .maxConnectionsPerClient(maxConnectionsPerClient).stalledRecordTimeout(stalledRecordTimeout)
                .idleTimeout(idleTimeout).replyTimeout(replyTimeout).stateLimits(stateLimits).adminTokenFile(adminTokenFile);
    }

    /** Builds {@link SecuritySettings}; a setter given a value that would refuse everyone or never apply throws. */
    public static final class Builder {
        private AllowList allow = AllowList.defaults();
        private boolean requirePrivilegedPort;
        private int maxConnectionsPerClient = DEFAULT_MAX_CONNECTIONS_PER_CLIENT;
        private Duration stalledRecordTimeout = DEFAULT_STALLED_RECORD_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration replyTimeout = DEFAULT_REPLY_TIMEOUT;
        private StateLimits stateLimits = StateLimits.defaults();
        private Path adminTokenFile;

        private Builder() {
        }

        public Builder allow(AllowList a) {
            allow = a;
            return this;
        }

        public Builder requirePrivilegedPort(boolean r) {
            requirePrivilegedPort = r;
            return this;
        }

        public Builder maxConnectionsPerClient(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConnectionsPerClient must be at least 1, not " + n);
            }
            maxConnectionsPerClient = n;
            return this;
        }

        public Builder stalledRecordTimeout(Duration d) {
            stalledRecordTimeout = positive("stalledRecordTimeout", d);
            return this;
        }

        public Builder idleTimeout(Duration d) {
            idleTimeout = positive("idleTimeout", d);
            return this;
        }

        public Builder replyTimeout(Duration d) {
            replyTimeout = positive("replyTimeout", d);
            return this;
        }

        public Builder stateLimits(StateLimits l) {
            stateLimits = l;
            return this;
        }

        /** null: no token, which only a loopback admin listener may have. */
        public Builder adminTokenFile(Path f) {
            adminTokenFile = f;
            return this;
        }

        public SecuritySettings build() {
            return new SecuritySettings(allow, requirePrivilegedPort, maxConnectionsPerClient, stalledRecordTimeout,
                    idleTimeout, replyTimeout, stateLimits, adminTokenFile);
        }

        /** Less than 1 ms is taken for a mistake (a unit left out), not for "at once". */
        private static Duration positive(String name, Duration d) {
            if (d.toMillis() < 1) {
                throw new IllegalArgumentException(name + " must be positive, not " + d);
            }
            return d;
        }
    }
}
