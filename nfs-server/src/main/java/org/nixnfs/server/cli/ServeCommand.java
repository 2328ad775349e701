package org.nixnfs.server.cli;

import io.netty.util.ResourceLeakDetector;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.vfs.CacheSettings;
import org.nixnfs.store.StorePath;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nixnfs serve}: export a Nix store read-only over NFSv4 until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Export a Nix store read-only over NFSv4 (4.0, 4.1, 4.2).",
            "",
            "Without --store-root, exports the machine's /nix/store if it holds valid paths, otherwise builds a "
                + "small demo store with Debian's nix-bin under the state directory and exports that.",
            ""})
public final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--store-root", paramLabel = "DIR",
            description = "Directory containing nix/store and nix/var/nix/db (a Nix chroot store); / for this machine's store.")
    Path storeRoot;

    @Option(names = "--demo-store",
            description = "Export the demo store (built on first use under the state directory) even when this "
                    + "machine has a Nix store.")
    boolean demoStore;

    @Option(names = "--export-path", paramLabel = "PATH", defaultValue = StorePath.STORE_DIR,
            description = "Path clients mount (server:PATH); the pseudo filesystem leads from / to it. Default: ${DEFAULT-VALUE}.")
    String exportPath;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:2049",
            description = "Address and TCP port of the NFS listener. Default: ${DEFAULT-VALUE}.")
    String listen;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where nixnfs keeps its state (and the demo store). Default: $NIXNFS_STATE_DIR, else .state in the nixnfs checkout.")
    Path stateDir;

    @Option(names = "--lease-time", paramLabel = "SECONDS", defaultValue = "90",
            description = "NFSv4 lease: clients that stop renewing for this long lose their state. Default: ${DEFAULT-VALUE}.")
    int leaseSeconds;

    @Option(names = "--delegations", paramLabel = "on|off", defaultValue = "on", converter = OnOff.Converter.class,
            description = "Read delegations for NFSv4.1/4.2 clients with a backchannel: they open, revalidate and close "
                    + "store files without asking the server again; GC recalls them first. Default: ${DEFAULT-VALUE}.")
    OnOff delegations;

    @Option(names = "--worker-threads", paramLabel = "N",
            description = "Threads that run NFS requests. Default: 4 per core, at least 8.")
    Integer workerThreads;

    @Option(names = "--cache-nodes", paramLabel = "N", defaultValue = "500000",
            description = "Files, directories and lookups whose metadata is cached. Default: ${DEFAULT-VALUE}.")
    long cacheNodes;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "4096",
            converter = PositiveIntConverter.class,
            description = "Connections beyond this are closed at once. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT", defaultValue = Defaults.ADMIN_LISTEN,
            description = "HTTP admin listener: /metrics, /healthz, /readyz and the API the usage/gc/pin commands use; "
                    + "'none' to disable. Default: ${DEFAULT-VALUE}.")
    String adminListen;

    @CommandLine.Mixin
    SecurityOptions security = new SecurityOptions();

    @CommandLine.Mixin
    GcOptions gc = new GcOptions();

    @CommandLine.Mixin
    FaultInOptions faultIn = new FaultInOptions();

    @Option(names = "--gc-interval", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "How often to check free space; below the low watermark, GC evicts the least recently used "
                    + "dead paths until the high watermark. 0 disables. Default: ${DEFAULT-VALUE}.")
    Duration gcInterval;

    @Option(names = "--publish-to", paramLabel = "URL",
            description = "Publish every store path registered from now on to this binary cache (a Nix store URL: "
                    + "file://, s3://, ...), with `nix copy --to URL`, in order of registration, retrying until it "
                    + "succeeds (the primary of a set of replicas).")
    String publishTo;

    @Option(names = "--usage-from", paramLabel = "URL",
            description = "On the primary: a replica's admin URL (e.g. http://replica-0:9100), whose usage "
                    + "(/api/v1/usage) is pulled into this server's, so that GC here keeps paths used only through "
                    + "replicas. Repeat for each replica.")
    List<URI> usageFrom = new ArrayList<>();

    @Option(names = "--usage-from-token-file", paramLabel = "FILE",
            description = "The --usage-from replicas' admin token, sent with each pull (a replica with a token "
                    + "answers its usage only with it). Default: this server's --admin-token-file, for a set of "
                    + "servers sharing one token.")
    Path usageFromTokenFile;

    @Option(names = "--usage-pull-interval", paramLabel = "DURATION", defaultValue = "1m",
            converter = DurationConverter.class,
            description = "How often to pull usage from the --usage-from replicas. Default: ${DEFAULT-VALUE}.")
    Duration usagePullInterval;

    /**
     * Netty's leak detector, unless asked for with -Dio.netty.leakDetection.level, is off in
     * the served process: at its default level it records a stack trace for one buffer in 128,
     * which was 2% of a NULL call's CPU. The tests, which do not come through here, keep it.
     */
    private static void productionLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    @Override
    public Integer call() throws Exception {
        SecuritySettings securitySettings = securitySettings(); // a bad --allow fails before a demo store is built
        for (URI u : usageFrom) {
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--usage-from: not an http(s) URL: " + u);
            }
        }
        if (usageFromTokenFile != null && usageFrom.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--usage-from-token-file needs --usage-from");
        }
        if (usagePullInterval.isZero() || usagePullInterval.isNegative()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--usage-pull-interval must be positive");
        }
        Path signingKey = faultIn.caches.signingKey; // one key signs both what is published and the cold tier
        if (signingKey != null && publishTo == null && faultIn.caches.coldTier == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--signing-key needs --publish-to or --cold-tier");
        }
        if (signingKey != null && !Files.isReadable(signingKey)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--signing-key: cannot read " + signingKey);
        }
        Path state = stateDir != null ? stateDir : Defaults.stateDir();
        if (demoStore && storeRoot != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--demo-store and --store-root exclude each other");
        }
        Path root = storeRoot != null ? storeRoot
                : demoStore ? Defaults.demoStore(state, "--demo-store: serving the demo store") : Defaults.storeRoot(state);
        InetSocketAddress address = Defaults.parseListen(listen);
        NixnfsServer.Config.Builder config = NixnfsServer.Config.builder(root, address, state)
                .exportPath(exportPath)
                .adminListen(adminListen.equals("none") ? null : Defaults.parseListen(adminListen))
                .leaseSeconds(leaseSeconds)
                .cache(new CacheSettings(cacheNodes, cacheNodes, 4 * cacheNodes, CacheSettings.defaults().openFiles()))
                .maxConnections(maxConnections)
                .gc(gc.policy(), gcInterval)
                .nixStore(gc.nixStore)
                .publish(publishTo == null ? null : NixnfsServer.Config.Publishing.to(publishTo, signingKey))
                .usagePull(usagePull())
                .faultIn(faultIn.config(root))
                .security(securitySettings)
                .delegations(delegations.on());
        if (workerThreads != null) {
            config.workerThreads(workerThreads);
        }
        productionLeakDetection();
        NixnfsServer server = NixnfsServer.start(config.build());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "shutdown"));
        printMountHint(server, root);
        stopped.await();
        return 0;
    }

    /**
     * --usage-from and its token: by default this server's own admin token, since a set of
     * servers typically shares one (one Secret for the primary and the replicas).
     */
    NixnfsServer.Config.UsagePull usagePull() {
        return usageFrom.isEmpty() ? null : new NixnfsServer.Config.UsagePull(usageFrom, usagePullInterval,
                usageFromTokenFile != null ? usageFromTokenFile : security.adminTokenFile);
    }

    private String allowedClients;

    /** The security settings the options make (README, "Security"). */
    SecuritySettings securitySettings() {
        SecuritySettings settings = security.settings(spec.commandLine());
        allowedClients = settings.allow().toString();
        return settings;
    }

    private void printMountHint(NixnfsServer server, Path root) {
        InetSocketAddress a = server.address();
        String host = a.getAddress().isAnyLocalAddress() ? "<this-host>" : a.getAddress().getHostAddress();
        String port = a.getPort() == 2049 ? "" : "port=" + a.getPort() + ",";
        System.out.printf("nixnfs: exporting %s (%d valid store paths) as %s on %s%n",
                root.resolve("nix/store"), server.index().current().size(), exportPath, a);
        System.out.printf("Clients that may mount (--allow): %s%n", allowedClients);
        System.out.printf("Mount it on an executor with:%n  mount -t nfs4 -o %s%s %s:%s /nix/store%n", port,
                Defaults.RECOMMENDED_MOUNT_OPTIONS, host, exportPath);
        if (!Files.isDirectory(Path.of(StorePath.STORE_DIR)) || !root.equals(Path.of("/"))) {
            System.out.println("(Stop with Ctrl-C.)");
        }
    }

    /** "on" or "off", nothing else (a type of its own: picocli would take a boolean option for a flag). */
    record OnOff(boolean on) {
        static final class Converter implements CommandLine.ITypeConverter<OnOff> {
            @Override
            public OnOff convert(String value) {
                return switch (value) {
                    case "on" -> new OnOff(true);
                    case "off" -> new OnOff(false);
                    default -> throw new CommandLine.TypeConversionException("'" + value + "' is neither on nor off");
                };
            }
        }
    }
}
