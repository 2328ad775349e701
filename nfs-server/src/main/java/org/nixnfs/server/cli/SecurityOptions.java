package org.nixnfs.server.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.net.AllowList;
import org.nixnfs.server.nfs4.state.StateLimits;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What protects the server from the network (options of {@code serve}; README, "Security"): who
 * may connect, how long a connection may stall or idle, how much NFSv4 state clients may hold,
 * and the admin API's token. Every count must be at least 1 and every timeout positive.
 */
final class SecurityOptions {
    @Option(names = "--allow", paramLabel = "CIDR", split = ",", arity = "1..*",
            description = "Client networks that may connect (IPv4 and IPv6 CIDR blocks or addresses, e.g. "
                    + "10.1.0.0/16 fd00::/8); connections from elsewhere are closed at accept. "
                    + "Default: loopback and the private ranges (127.0.0.0/8 ::1/128 10.0.0.0/8 172.16.0.0/12 "
                    + "192.168.0.0/16 169.254.0.0/16 fc00::/7 fe80::/10).")
    List<String> allow;

    @Option(names = "--require-privileged-port",
            description = "Refuse clients whose source port is 1024 or above (knfsd's 'secure'; the Linux client "
                    + "uses a port below 1024 unless mounted with 'noresvport').")
    boolean requirePrivilegedPort;

    @Option(names = "--max-connections-per-client", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + SecuritySettings.DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            description = "Connections one client address may hold open at once; more are closed at accept. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxConnectionsPerClient;

    @Option(names = "--stalled-record-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = PositiveDurationConverter.class,
            description = "A connection that sent part of a request and then nothing for this long is closed. "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration stalledRecordTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "6m",
            converter = PositiveDurationConverter.class,
            description = "A connection silent both ways, with no request in flight, for this long is closed (as "
                    + "knfsd does; the client reconnects when it needs to). Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(names = "--reply-timeout", paramLabel = "DURATION", defaultValue = "2m",
            converter = PositiveDurationConverter.class,
            description = "A connection whose client takes none of its pending replies for this long is closed "
                    + "(the replies are buffered meanwhile). Default: ${DEFAULT-VALUE}.")
    Duration replyTimeout;

    @Option(names = "--max-clients", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_CLIENTS,
            description = "NFSv4 client ids on the server; a new one first displaces the oldest unconfirmed one, "
                    + "else is refused (NFS4ERR_RESOURCE; in NFSv4.1 and later NFS4ERR_DELAY). Default: ${DEFAULT-VALUE}.")
    int maxClients;

    @Option(names = "--max-clients-per-address", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_CLIENTS_PER_ADDRESS,
            description = "Client ids made from one IP address (executors behind one NAT share it). "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxClientsPerAddress;

    @Option(names = "--max-sessions-per-client", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_SESSIONS_PER_CLIENT,
            description = "NFSv4.1 sessions of one client (Linux uses one, more with trunking). Default: ${DEFAULT-VALUE}.")
    int maxSessionsPerClient;

    @Option(names = "--max-opens-per-client", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_OPENS_PER_CLIENT,
            description = "Files one client may hold open. Default: ${DEFAULT-VALUE}.")
    int maxOpensPerClient;

    @Option(names = "--max-opens", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_OPENS,
            description = "Files all clients together may hold open. Default: ${DEFAULT-VALUE}.")
    int maxOpens;

    @Option(names = "--max-locks-per-client", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_LOCKS_PER_CLIENT,
            description = "Lock states one client may hold. Default: ${DEFAULT-VALUE}.")
    int maxLocksPerClient;

    @Option(names = "--max-locks", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_LOCKS,
            description = "Lock states all clients together may hold. Default: ${DEFAULT-VALUE}.")
    int maxLocks;

    @Option(names = "--max-delegations-per-client", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_DELEGATIONS_PER_CLIENT,
            description = "Read delegations one client may hold; beyond them its OPENs succeed with no delegation "
                    + "(Linux returns delegations beyond about 5,000 itself). Default: ${DEFAULT-VALUE}.")
    int maxDelegationsPerClient;

    @Option(names = "--max-delegations", paramLabel = "N", converter = PositiveIntConverter.class,
            defaultValue = "" + StateLimits.Builder.DEFAULT_MAX_DELEGATIONS,
            description = "Read delegations all clients together may hold; beyond them OPENs succeed with no "
                    + "delegation. Default: ${DEFAULT-VALUE}.")
    int maxDelegations;

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "File whose first line is the bearer token the admin API's GC, pin and usage endpoints "
                    + "require (metrics, health and GC plans stay open). Needed when --admin-listen is not on loopback. "
                    + "Make one with: head -c 32 /dev/urandom | base64 > FILE")
    Path adminTokenFile;

    /** The settings these options make; a bad --allow is a parameter error of {@code command}. */
    SecuritySettings settings(CommandLine command) {
        AllowList allowList;
        try {
            allowList = allow == null ? AllowList.defaults() : AllowList.of(allow);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, "--allow: " + e.getMessage());
        }
        StateLimits limits = StateLimits.builder().maxClients(maxClients).maxClientsPerAddress(maxClientsPerAddress)
                .maxSessionsPerClient(maxSessionsPerClient).maxOpensPerClient(maxOpensPerClient).maxOpens(maxOpens)
                .maxLocksPerClient(maxLocksPerClient).maxLocks(maxLocks)
                .maxDelegationsPerClient(maxDelegationsPerClient).maxDelegations(maxDelegations).build();
        return SecuritySettings.builder().allow(allowList).requirePrivilegedPort(requirePrivilegedPort)
                .maxConnectionsPerClient(maxConnectionsPerClient).stalledRecordTimeout(stalledRecordTimeout)
                .idleTimeout(idleTimeout).replyTimeout(replyTimeout).stateLimits(limits).adminTokenFile(adminTokenFile).build();
    }
}
