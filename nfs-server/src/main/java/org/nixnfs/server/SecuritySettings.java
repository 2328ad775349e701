package org.nixnfs.server;

import java.nio.file.Path;
import org.nixnfs.server.net.AllowList;

/**
 * What protects the server from the network (README, "Security"): who may connect, how much one
 * client address may hold, and what guards the admin API.
 *
 * @param allow                   client networks that may connect; others are closed at accept
 * @param requirePrivilegedPort   refuse clients whose source port is 1024 or above (knfsd's {@code secure})
 * @param maxConnectionsPerClient connections one client address may hold open at once
 * @param adminTokenFile          file holding the bearer token of the admin API's mutating
 *                                endpoints; null for none, which only a loopback admin listener may have
 */
public record SecuritySettings(AllowList allow, boolean requirePrivilegedPort, int maxConnectionsPerClient,
                               Path adminTokenFile) {
    public static SecuritySettings defaults() {
        return new SecuritySettings(AllowList.defaults(), false, 64, null);
    }

    public SecuritySettings withAllow(AllowList a) {
        return new SecuritySettings(a, requirePrivilegedPort, maxConnectionsPerClient, adminTokenFile);
    }

    public SecuritySettings withRequirePrivilegedPort(boolean r) {
        return new SecuritySettings(allow, r, maxConnectionsPerClient, adminTokenFile);
    }

    public SecuritySettings withMaxConnectionsPerClient(int n) {
        return new SecuritySettings(allow, requirePrivilegedPort, n, adminTokenFile);
    }

    public SecuritySettings withAdminTokenFile(Path f) {
        return new SecuritySettings(allow, requirePrivilegedPort, maxConnectionsPerClient, f);
    }
}
