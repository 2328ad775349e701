package org.nixnfs.server;

import org.nixnfs.server.net.AllowList;

/**
 * What protects the server from the network (README, "Security"): who may connect, and how much
 * one client address may hold.
 *
 * @param allow                   client networks that may connect; others are closed at accept
 * @param requirePrivilegedPort   refuse clients whose source port is 1024 or above (knfsd's {@code secure})
 * @param maxConnectionsPerClient connections one client address may hold open at once
 */
public record SecuritySettings(AllowList allow, boolean requirePrivilegedPort, int maxConnectionsPerClient) {
    public static SecuritySettings defaults() {
        return new SecuritySettings(AllowList.defaults(), false, 64);
    }

    public SecuritySettings withAllow(AllowList a) {
        return new SecuritySettings(a, requirePrivilegedPort, maxConnectionsPerClient);
    }

    public SecuritySettings withRequirePrivilegedPort(boolean r) {
        return new SecuritySettings(allow, r, maxConnectionsPerClient);
    }

    public SecuritySettings withMaxConnectionsPerClient(int n) {
        return new SecuritySettings(allow, requirePrivilegedPort, n);
    }
}
