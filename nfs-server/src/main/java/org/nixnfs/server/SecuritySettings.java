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
 * @param stateLimits             NFSv4 state the clients may hold, each and together
 * @param adminTokenFile          file holding the bearer token of the admin API's mutating
 *                                endpoints; null for none, which only a loopback admin listener may have
 */
public record SecuritySettings(AllowList allow, boolean requirePrivilegedPort, int maxConnectionsPerClient,
                               Duration stalledRecordTimeout, Duration idleTimeout, StateLimits stateLimits,
                               Path adminTokenFile) {
    public static SecuritySettings defaults() {
        return new SecuritySettings(AllowList.defaults(), false, 64, Duration.ofSeconds(30), Duration.ofMinutes(6),
                StateLimits.defaults(), null);
    }

    public SecuritySettings withAllow(AllowList a) {
        return new SecuritySettings(a, requirePrivilegedPort, maxConnectionsPerClient, stalledRecordTimeout,
                idleTimeout, stateLimits, adminTokenFile);
    }

    public SecuritySettings withRequirePrivilegedPort(boolean r) {
        return new SecuritySettings(allow, r, maxConnectionsPerClient, stalledRecordTimeout, idleTimeout, stateLimits,
                adminTokenFile);
    }

    public SecuritySettings withMaxConnectionsPerClient(int n) {
        return new SecuritySettings(allow, requirePrivilegedPort, n, stalledRecordTimeout, idleTimeout, stateLimits,
                adminTokenFile);
    }

    public SecuritySettings withTimeouts(Duration stalledRecord, Duration idle) {
        return new SecuritySettings(allow, requirePrivilegedPort, maxConnectionsPerClient, stalledRecord, idle,
                stateLimits, adminTokenFile);
    }

    public SecuritySettings withStateLimits(StateLimits l) {
        return new SecuritySettings(allow, requirePrivilegedPort, maxConnectionsPerClient, stalledRecordTimeout,
                idleTimeout, l, adminTokenFile);
    }

    public SecuritySettings withAdminTokenFile(Path f) {
        return new SecuritySettings(allow, requirePrivilegedPort, maxConnectionsPerClient, stalledRecordTimeout,
                idleTimeout, stateLimits, f);
    }
}
