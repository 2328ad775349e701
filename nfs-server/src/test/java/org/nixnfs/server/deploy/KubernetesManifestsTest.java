package org.nixnfs.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nixnfs.server.cli.Main;
import org.nixnfs.server.net.AllowList;
import picocli.CommandLine;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every manifest under deploy/kubernetes, parsed with the Kubernetes API model (fabric8
 * kubernetes-model): unknown fields and invalid values fail, references between the objects
 * (claims, volumes, ports, selectors) hold, and the NFS mount options equal README's.
 */
class KubernetesManifestsTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    /** fabric8 8 models are Jackson 3 classes; YAML is read with Jackson 2 and handed over as JSON. */
    private static final JsonMapper K8S = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(tools.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/PersistentVolume", PersistentVolume.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "v1/Pod", Pod.class,
            "v1/Service", Service.class,
            "v1/Namespace", Namespace.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)");
    private static final Set<String> ACCESS_MODES = Set.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");

    /** A parsed manifest file: its objects in order. */
    record Manifest(Path file, List<HasMetadata> objects) {
        <T> List<T> all(Class<T> c) {
            return objects.stream().filter(c::isInstance).map(c::cast).toList();
        }
    }

    static List<HasMetadata> parse(String yaml, String where) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                String key = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
                Class<? extends HasMetadata> c = KINDS.get(key);
                if (c == null) {
                    throw new AssertionError(where + ": unexpected apiVersion/kind " + key);
                }
                HasMetadata o = K8S.readValue(doc.toString(), c);
                List<String> unknown = new ArrayList<>();
                unknownFields(o, key, unknown, new IdentityHashMap<>());
                if (!unknown.isEmpty()) {
                    throw new AssertionError(where + ": unknown fields " + unknown);
                }
                checkMetadata(o, where);
                out.add(o);
            }
        }
        return out;
    }

    /** Fields the model does not know end up in additionalProperties (fabric8 keeps them): find them all. */
    private static void unknownFields(Object o, String path, List<String> found, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, found, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || !g.getName().startsWith("get")
                    || g.getName().equals("getClass") || g.getReturnType().isPrimitive()) {
                continue;
            }
            Object v;
            try {
                v = g.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> found.add(path + "." + k));
                }
                continue;
            }
            String field = Character.toLowerCase(g.getName().charAt(3)) + g.getName().substring(4);
            unknownFields(v, path + "." + field, found, seen);
        }
    }

    private static void checkMetadata(HasMetadata o, String where) {
        String name = o.getMetadata().getName();
        assertTrue(name != null && name.length() <= 253 && DNS_SUBDOMAIN.matcher(name).matches(), where + ": name " + name);
        String ns = o.getMetadata().getNamespace();
        assertTrue(ns == null || DNS_LABEL.matcher(ns).matches(), where + ": namespace " + ns);
        labels(o.getMetadata().getLabels(), where);
    }

    private static void labels(Map<String, String> labels, String where) {
        if (labels == null) {
            return;
        }
        labels.forEach((k, v) -> {
            assertTrue(LABEL_KEY.matcher(k).matches(), where + ": label key " + k);
            assertTrue(LABEL_VALUE.matcher(v).matches(), where + ": label value " + v);
        });
    }

    static Manifest load(Path file) throws IOException {
        return new Manifest(file, parse(Files.readString(file), RepoFiles.root().relativize(file).toString()));
    }

    static BigDecimal bytes(Quantity q, String where) {
        assertTrue(q != null, where + ": missing quantity");
        try {
            BigDecimal b = Quantity.getAmountInBytes(q);
            assertTrue(b.signum() >= 0, where + ": negative " + q);
            return b;
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": invalid quantity " + q + ": " + e, e);
        }
    }

    // ------------------------------------------------------------------ executors

    @ParameterizedTest
    @ValueSource(strings = {"kubernetes/executor/nix-store-volume.yaml", "kubernetes/replicas/executor-volume.yaml"})
    void volumeIsAReadOnlyNfsPersistentVolumeWithReadmesMountOptions(String file) throws IOException {
        Manifest m = load(RepoFiles.deploy(file));
        PersistentVolume pv = single(m.all(PersistentVolume.class));
        PersistentVolumeClaim pvc = single(m.all(PersistentVolumeClaim.class));
        var spec = pv.getSpec();

        assertEquals(RepoFiles.readmeMountOptions(), spec.getMountOptions(), "mount options must equal README's");
        assertEquals("/nix/store", spec.getNfs().getPath());
        assertEquals(Boolean.TRUE, spec.getNfs().getReadOnly());
        assertFalse(spec.getNfs().getServer().isBlank());
        assertEquals(List.of("ReadOnlyMany"), spec.getAccessModes());
        assertTrue(Set.of("Retain", "Delete", "Recycle").contains(spec.getPersistentVolumeReclaimPolicy()));
        assertEquals("Retain", spec.getPersistentVolumeReclaimPolicy(), "never let Kubernetes try to scrub the store");
        assertTrue(Set.of("Filesystem", "Block").contains(spec.getVolumeMode()));
        BigDecimal capacity = bytes(spec.getCapacity().get("storage"), "PV capacity");
        assertEquals(Set.of("storage"), spec.getCapacity().keySet());

        PersistentVolumeClaimSpec claim = pvc.getSpec();
        assertEquals(pv.getMetadata().getName(), claim.getVolumeName());
        assertEquals(spec.getStorageClassName(), claim.getStorageClassName(), "static binding: the same (empty) class");
        assertTrue(ACCESS_MODES.containsAll(claim.getAccessModes()));
        assertTrue(spec.getAccessModes().containsAll(claim.getAccessModes()));
        assertTrue(bytes(claim.getResources().getRequests().get("storage"), "PVC request").compareTo(capacity) <= 0);
        assertEquals(pvc.getMetadata().getName(), spec.getClaimRef().getName());
        assertEquals(pvc.getMetadata().getNamespace(), spec.getClaimRef().getNamespace());
        assertEquals("PersistentVolumeClaim", spec.getClaimRef().getKind());
    }

    @Test
    void workerPatchGivesTheRunnerTheStoreReadOnly() throws IOException {
        Manifest volume = load(RepoFiles.deploy("kubernetes/executor/nix-store-volume.yaml"));
        PersistentVolumeClaim pvc = single(volume.all(PersistentVolumeClaim.class));
        Deployment patch = single(load(RepoFiles.deploy("kubernetes/executor/worker-nix-store.patch.yaml"))
                .all(Deployment.class));
        assertEquals(pvc.getMetadata().getNamespace(), patch.getMetadata().getNamespace());
        PodSpec pod = patch.getSpec().getTemplate().getSpec();
        Container runner = single(pod.getContainers());
        assertEquals("runner", runner.getName(), "bb-deployments runs actions in the container named runner");
        checkStoreMount(pod, runner, pvc, "worker patch");
    }

    @Test
    void plainPodSnippetMountsTheClaimReadOnly() throws IOException {
        Manifest volume = load(RepoFiles.deploy("kubernetes/executor/nix-store-volume.yaml"));
        PersistentVolumeClaim pvc = single(volume.all(PersistentVolumeClaim.class));
        Pod pod = single(load(RepoFiles.deploy("kubernetes/executor/pod-with-nix-store.yaml")).all(Pod.class));
        assertEquals(pvc.getMetadata().getNamespace(), pod.getMetadata().getNamespace());
        checkPodSpec(pod.getSpec(), "pod snippet");
        checkStoreMount(pod.getSpec(), single(pod.getSpec().getContainers()), pvc, "pod snippet");
    }

    private static void checkStoreMount(PodSpec pod, Container c, PersistentVolumeClaim pvc, String where) {
        VolumeMount mount = single(c.getVolumeMounts().stream().filter(v -> v.getMountPath().equals("/nix/store")).toList());
        assertEquals(Boolean.TRUE, mount.getReadOnly(), where + ": /nix/store must be mounted read-only");
        Volume v = single(pod.getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).toList());
        assertEquals(pvc.getMetadata().getName(), v.getPersistentVolumeClaim().getClaimName(), where);
        assertEquals(Boolean.TRUE, v.getPersistentVolumeClaim().getReadOnly(), where);
        assertTrue(v.getNfs() == null, where + ": an inline nfs volume cannot carry the mount options; use the claim");
    }

    /** Kustomize files are not Kubernetes objects: checked against the fields kustomize defines that we use. */
    record Kustomization(@JsonProperty(required = true) String apiVersion, @JsonProperty(required = true) String kind,
                         List<String> resources, List<Patch> patches) {
    }

    record Patch(@JsonProperty(required = true) String path, Target target) {
    }

    record Target(String group, String version, @JsonProperty(required = true) String kind,
                  @JsonProperty(required = true) String name, String namespace) {
    }

    static Kustomization kustomization(Path file) throws IOException {
        Kustomization k = YAML.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(file.toFile(), Kustomization.class);
        assertEquals("kustomize.config.k8s.io/v1beta1", k.apiVersion());
        assertEquals("Kustomization", k.kind());
        for (String r : k.resources()) {
            assertTrue(Files.exists(file.resolveSibling(r)), file + ": resource " + r + " missing");
        }
        return k;
    }

    @Test
    void kustomizationPatchesTheWorkerDeploymentItNames() throws IOException {
        Path file = RepoFiles.deploy("kubernetes/executor/kustomization.yaml");
        Kustomization k = kustomization(file);
        assertEquals(List.of("nix-store-volume.yaml"), k.resources());
        Patch p = single(k.patches());
        Path patchFile = file.resolveSibling(p.path());
        Deployment patch = single(load(patchFile).all(Deployment.class));
        assertEquals("apps", p.target().group());
        assertEquals("v1", p.target().version());
        assertEquals("Deployment", p.target().kind());
        assertEquals(patch.getMetadata().getName(), p.target().name());
        assertEquals(patch.getMetadata().getNamespace(), p.target().namespace());
        assertTrue(p.target().name().startsWith("worker-"), "a bb-deployments worker Deployment");
    }

    // ------------------------------------------------------------------ optional server

    @Test
    void serverManifestsAreConsistent() throws IOException {
        Path dir = RepoFiles.deploy("kubernetes/server");
        Kustomization k = kustomization(dir.resolve("kustomization.yaml"));
        List<HasMetadata> all = new ArrayList<>();
        for (String r : k.resources()) {
            all.addAll(load(dir.resolve(r)).objects());
        }
        Manifest m = new Manifest(dir, all);
        Namespace ns = single(m.all(Namespace.class));
        StatefulSet sts = single(m.all(StatefulSet.class));
        Service svc = single(m.all(Service.class));
        for (HasMetadata o : List.of(sts, svc)) {
            assertEquals(ns.getMetadata().getName(), o.getMetadata().getNamespace());
        }
        assertEquals(svc.getMetadata().getName(), sts.getSpec().getServiceName());
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(sts.getSpec().getSelector().getMatchLabels().entrySet()));
        assertTrue(podLabels.entrySet().containsAll(svc.getSpec().getSelector().entrySet()), "the Service selects the pods");
        labels(podLabels, "pod template");

        PodSpec pod = sts.getSpec().getTemplate().getSpec();
        Set<String> claimTemplates = new HashSet<>();
        sts.getSpec().getVolumeClaimTemplates().forEach(t -> {
            claimTemplates.add(t.getMetadata().getName());
            assertTrue(ACCESS_MODES.containsAll(t.getSpec().getAccessModes()));
            bytes(t.getSpec().getResources().getRequests().get("storage"), "claim template " + t.getMetadata().getName());
        });
        checkPodSpec(pod, "nixnfs StatefulSet", claimTemplates);
        Container nixnfs = single(pod.getContainers());
        Set<String> portNames = new HashSet<>();
        for (ContainerPort p : nixnfs.getPorts()) {
            portNames.add(p.getName());
        }
        for (ServicePort p : svc.getSpec().getPorts()) {
            checkPort(p.getPort(), "service port");
            assertTrue(Set.of("TCP", "UDP", "SCTP").contains(p.getProtocol()));
            assertTrue(portNames.contains(p.getTargetPort().getStrVal()), "targetPort " + p.getTargetPort());
        }
        assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == 2049), "NFS on 2049");
        assertTrue(nixnfs.getArgs().contains("--listen=0.0.0.0:2049"));
        String allow = nixnfs.getArgs().stream().filter(a -> a.startsWith("--allow=")).findFirst()
                .orElseThrow(() -> new AssertionError("the server manifest sets --allow"));
        AllowList.of(List.of(allow.substring("--allow=".length()).split(",")));
        adminTokenFromSecret(nixnfs, pod, "nixnfs StatefulSet");
        assertTrue(nixnfs.getSecurityContext().getCapabilities().getAdd().contains("NET_BIND_SERVICE"));
    }

    /**
     * deploy/kubernetes/replicas: a primary that publishes to the cache, replicas that fault in
     * from it behind a Service with client-IP affinity, a PodDisruptionBudget, readiness on
     * /readyz, and the executors' volume naming the Service's fixed address.
     */
    @Test
    void replicaManifestsAreConsistent() throws IOException {
        Path dir = RepoFiles.deploy("kubernetes/replicas");
        Kustomization k = kustomization(dir.resolve("kustomization.yaml"));
        List<HasMetadata> all = new ArrayList<>();
        for (String r : k.resources()) {
            all.addAll(load(dir.resolve(r)).objects());
        }
        Manifest m = new Manifest(dir, all);
        String ns = single(m.all(Namespace.class)).getMetadata().getName();
        Map<String, StatefulSet> sets = new HashMap<>();
        m.all(StatefulSet.class).forEach(s -> sets.put(s.getMetadata().getName(), s));
        Map<String, Service> services = new HashMap<>();
        m.all(Service.class).forEach(s -> services.put(s.getMetadata().getName(), s));
        StatefulSet primary = sets.get("nixnfs-primary");
        StatefulSet replicas = sets.get("nixnfs-replica");
        Service front = services.get("nixnfs");
        assertTrue(primary != null && replicas != null && front != null, "nixnfs-primary, nixnfs-replica, Service nixnfs");
        for (StatefulSet sts : List.of(primary, replicas)) {
            String where = sts.getMetadata().getName();
            assertEquals(ns, sts.getMetadata().getNamespace(), where);
            assertTrue(services.containsKey(sts.getSpec().getServiceName()), where + ": its governing Service");
            Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
            labels(podLabels, where);
            assertTrue(podLabels.entrySet().containsAll(sts.getSpec().getSelector().getMatchLabels().entrySet()), where);
            Set<String> claims = new HashSet<>();
            sts.getSpec().getVolumeClaimTemplates().forEach(t -> claims.add(t.getMetadata().getName()));
            assertTrue(claims.contains("nix-root"), where + ": each pod its own store volume");
            PodSpec pod = sts.getSpec().getTemplate().getSpec();
            checkPodSpec(pod, where, claims);
            Container c = single(pod.getContainers());
            assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath(), where + ": ready once the index is loaded");
            assertTrue(c.getArgs().contains("--store-root=/srv/nix-root"), where);
            assertTrue(c.getVolumeMounts().stream().anyMatch(v -> v.getMountPath().equals("/srv/nix-root")
                    && v.getName().equals("nix-root")), where);
            adminTokenFromSecret(c, pod, where); // the primary's pulls send the same token (--usage-from-token-file's default)
        }
        assertEquals(1, primary.getSpec().getReplicas(), "one primary");
        assertTrue(replicas.getSpec().getReplicas() >= 2, "replicas");

        List<String> primaryArgs = single(primary.getSpec().getTemplate().getSpec().getContainers()).getArgs();
        assertTrue(primaryArgs.stream().anyMatch(a -> a.startsWith("--publish-to=")), "the primary publishes");
        String key = single(primaryArgs.stream().filter(a -> a.startsWith("--signing-key=")).toList())
                .substring("--signing-key=".length());
        Container pc = single(primary.getSpec().getTemplate().getSpec().getContainers());
        VolumeMount keyMount = single(pc.getVolumeMounts().stream().filter(v -> key.startsWith(v.getMountPath() + "/")).toList());
        Volume keyVolume = single(primary.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(keyMount.getName())).toList());
        assertTrue(keyVolume.getSecret() != null, "the signing key comes from a Secret");
        long pulls = primaryArgs.stream().filter(a -> a.startsWith("--usage-from=http://")).count();
        assertEquals(replicas.getSpec().getReplicas().longValue(), pulls, "the primary pulls usage from every replica");
        for (int i = 0; i < pulls; i++) {
            String host = replicas.getMetadata().getName() + "-" + i + "." + replicas.getSpec().getServiceName() + "." + ns;
            assertTrue(primaryArgs.stream().anyMatch(a -> a.startsWith("--usage-from=http://" + host + ".")), host);
        }

        List<String> replicaArgs = single(replicas.getSpec().getTemplate().getSpec().getContainers()).getArgs();
        assertTrue(replicaArgs.stream().anyMatch(a -> a.startsWith("--substituters=")), "replicas fault in from the cache");
        assertTrue(replicaArgs.stream().anyMatch(a -> a.startsWith("--trusted-public-keys=")), "and trust its key");
        assertFalse(replicaArgs.stream().anyMatch(a -> a.startsWith("--publish-to")), "only the primary publishes");

        Map<String, String> replicaLabels = replicas.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> primaryLabels = primary.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(replicaLabels.entrySet().containsAll(front.getSpec().getSelector().entrySet()), "the Service selects replicas");
        assertFalse(primaryLabels.entrySet().containsAll(front.getSpec().getSelector().entrySet()), "and not the primary");
        assertEquals("ClientIP", front.getSpec().getSessionAffinity(), "an executor stays on one replica");
        ServicePort nfs = single(front.getSpec().getPorts());
        assertEquals(2049, nfs.getPort());
        assertEquals("nfs", nfs.getTargetPort().getStrVal());
        String clusterIp = front.getSpec().getClusterIP();
        assertTrue(clusterIp != null && clusterIp.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), "a fixed cluster IP: " + clusterIp);

        PodDisruptionBudget pdb = single(m.all(PodDisruptionBudget.class));
        assertEquals(ns, pdb.getMetadata().getNamespace());
        assertTrue(replicaLabels.entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()),
                "the PodDisruptionBudget covers the replicas");
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal(), "one replica at a time");

        PersistentVolume pv = single(m.all(PersistentVolume.class));
        assertEquals(clusterIp, pv.getSpec().getNfs().getServer(), "the executors mount the replicas' Service");
    }

    /** Options of {@code nixnfs serve} an operator of a StatefulSet should see, set or offered in a comment. */
    private static final List<String> SECURITY_AND_DELEGATION_OPTIONS = List.of("--allow", "--delegations",
            "--admin-token-file", "--max-connections", "--max-connections-per-client", "--stalled-record-timeout",
            "--idle-timeout", "--require-privileged-port", "--max-clients", "--max-clients-per-address",
            "--max-sessions-per-client", "--max-opens-per-client", "--max-opens", "--max-locks-per-client", "--max-locks",
            "--max-delegations-per-client", "--max-delegations");
    /** An option offered in a comment of the args list: "# - --name[=value]". */
    private static final Pattern OFFERED_OPTION = Pattern.compile("^\\s*#\\s*- (--[a-z-]+(?:=\\S+)?)", Pattern.MULTILINE);

    /**
     * The args of each nixnfs StatefulSet, and the options its comments offer, are what
     * {@code nixnfs serve} accepts (no unknown option, every value valid, --allow's networks
     * included); together they show every security option and --delegations.
     */
    @ParameterizedTest
    @ValueSource(strings = {"server/nixnfs.yaml", "replicas/primary.yaml", "replicas/replicas.yaml"})
    void serverArgsAreServeOptions(String file) throws IOException {
        Path manifest = RepoFiles.deploy("kubernetes/" + file);
        List<String> args = new ArrayList<>();
        for (HasMetadata o : load(manifest).objects()) {
            if (o instanceof StatefulSet sts) {
                args.addAll(single(sts.getSpec().getTemplate().getSpec().getContainers()).getArgs());
            }
        }
        assertEquals("serve", args.get(0), file);
        List<String> offered = new ArrayList<>();
        for (Matcher m = OFFERED_OPTION.matcher(Files.readString(manifest)); m.find(); ) {
            offered.add(m.group(1));
        }
        List<String> all = new ArrayList<>(args);
        all.addAll(offered);
        CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(all.toArray(String[]::new));
        CommandLine.ParseResult serve = parsed.subcommand();
        assertEquals("serve", serve.commandSpec().name(), file);
        AllowList.of(serve.matchedOptionValue("--allow", List.of()));
        Set<String> shown = new TreeSet<>();
        for (String a : all) {
            shown.add(a.split("=", 2)[0]);
        }
        Set<String> missing = new TreeSet<>(SECURITY_AND_DELEGATION_OPTIONS);
        missing.removeAll(shown);
        assertEquals(Set.of(), missing, file + ": options an operator should find in the manifest (set, or offered in a comment)");
        assertFalse(offered.isEmpty(), file + ": the optional ones are offered in comments");
    }

    /** An admin listener beyond loopback, with the token nixnfs then requires, from a Secret volume. */
    private static void adminTokenFromSecret(Container nixnfs, PodSpec pod, String where) {
        assertTrue(nixnfs.getArgs().contains("--admin-listen=0.0.0.0:9100"), where);
        String tokenFile = nixnfs.getArgs().stream().filter(a -> a.startsWith("--admin-token-file=")).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": an admin listener beyond loopback needs --admin-token-file"))
                .substring("--admin-token-file=".length());
        assertTrue(nixnfs.getVolumeMounts().stream().anyMatch(v -> tokenFile.startsWith(v.getMountPath() + "/")
                && pod.getVolumes().stream().anyMatch(vol -> vol.getName().equals(v.getName()) && vol.getSecret() != null)),
                where + ": the token file comes from a Secret volume");
    }

    private static void checkPodSpec(PodSpec pod, String where) {
        checkPodSpec(pod, where, Set.of());
    }

    /** Volume mounts refer to volumes, paths are absolute, ports and probes and resources are valid. */
    private static void checkPodSpec(PodSpec pod, String where, Set<String> claimTemplates) {
        Set<String> volumes = new HashSet<>(claimTemplates);
        if (pod.getVolumes() != null) {
            for (Volume v : pod.getVolumes()) {
                assertTrue(DNS_LABEL.matcher(v.getName()).matches(), where + ": volume " + v.getName());
                assertTrue(volumes.add(v.getName()), where + ": duplicate volume " + v.getName());
            }
        }
        Set<String> names = new HashSet<>();
        for (Container c : pod.getContainers()) {
            assertTrue(DNS_LABEL.matcher(c.getName()).matches() && names.add(c.getName()), where + ": container " + c.getName());
            assertFalse(c.getImage() == null || c.getImage().isBlank(), where + ": image");
            Set<String> ports = new HashSet<>();
            if (c.getPorts() != null) {
                for (ContainerPort p : c.getPorts()) {
                    checkPort(p.getContainerPort(), where);
                    assertTrue(p.getName() == null || (p.getName().length() <= 15 && DNS_LABEL.matcher(p.getName()).matches()),
                            where + ": port name " + p.getName());
                    assertTrue(Set.of("TCP", "UDP", "SCTP").contains(p.getProtocol()), where + ": protocol");
                    ports.add(p.getName());
                }
            }
            for (Probe probe : new Probe[] {c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe()}) {
                if (probe != null && probe.getHttpGet() != null) {
                    IntOrString port = probe.getHttpGet().getPort();
                    assertTrue(port.getIntVal() != null ? port.getIntVal() > 0 : ports.contains(port.getStrVal()),
                            where + ": probe port " + port);
                    assertTrue(probe.getHttpGet().getPath().startsWith("/"));
                }
            }
            ResourceRequirements r = c.getResources();
            if (r != null) {
                for (Map<String, Quantity> q : new ArrayList<>(Arrays.asList(r.getRequests(), r.getLimits()))) {
                    if (q != null) {
                        q.forEach((k, v) -> {
                            assertTrue(Set.of("cpu", "memory", "ephemeral-storage").contains(k), where + ": resource " + k);
                            bytes(v, where + " " + k);
                        });
                    }
                }
            }
            if (c.getVolumeMounts() != null) {
                for (VolumeMount vm : c.getVolumeMounts()) {
                    assertTrue(volumes.contains(vm.getName()), where + ": mount of unknown volume " + vm.getName());
                    assertTrue(vm.getMountPath().startsWith("/"), where + ": mount path " + vm.getMountPath());
                }
            }
        }
    }

    private static void checkPort(Integer p, String where) {
        assertTrue(p != null && p > 0 && p < 65536, where + ": port " + p);
    }

    @Test
    void everyManifestParses() throws IOException {
        int n = 0;
        for (String dir : List.of("kubernetes/executor", "kubernetes/server", "kubernetes/replicas")) {
            for (Path f : RepoFiles.list(RepoFiles.deploy(dir), ".yaml")) {
                if (f.getFileName().toString().equals("kustomization.yaml")) {
                    kustomization(f);
                } else {
                    assertFalse(load(f).objects().isEmpty(), f + " holds no object");
                }
                n++;
            }
        }
        assertTrue(n >= 12, "manifests found: " + n);
    }

    // ------------------------------------------------------------------ the checker itself

    @Test
    void unknownFieldsAndInvalidValuesAreCaught() throws IOException {
        String pv = """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: nix-store}
                spec:
                  capacity: {storage: 1Ti}
                  accessModes: [ReadOnlyMany]
                  %s
                  nfs: {server: s, path: /nix/store, readOnly: true}
                """;
        parse(pv.formatted("mountOptions: [ro]"), "the valid one");
        assertThrows(AssertionError.class, () -> parse(pv.formatted("mountOption: [ro]"), "typo"), "misspelt field");
        assertThrows(AssertionError.class, () -> parse(pv.formatted("nfs2: {}"), "unknown"), "unknown field");
        assertThrows(AssertionError.class, () -> parse(pv.formatted("").replace("nfs: {", "nfs: {port: 1, "), "nested"));
        assertThrows(JacksonException.class, () -> parse(pv.formatted("mountOptions: ro"), "type"));
        assertThrows(JacksonException.class,
                () -> parse(pv.formatted("").replace("readOnly: true", "readOnly: sometimes"), "boolean"));
        assertThrows(AssertionError.class, () -> parse(pv.replace("nix-store", "Nix_Store").formatted(""), "name"));
        assertThrows(AssertionError.class, () -> bytes(Quantity.parse("12 parsecs"), "quantity"));
        assertThrows(AssertionError.class, () -> parse("apiVersion: v1\nkind: Pdo\nmetadata: {name: x}\n", "kind"));
        assertThrows(Exception.class, () -> YAML.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue("apiVersion: a\nkind: Kustomization\nresources: []\npatchesStrategicMerge: []\n",
                        Kustomization.class), "unknown kustomize field");
    }

    private static <T> T single(List<T> l) {
        assertEquals(1, l.size(), "expected exactly one: " + l);
        return l.get(0);
    }
}
