package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.store.testing.NixStoreFixture;
import picocli.CommandLine;

/**
 * {@code nixnfs gc --standalone} with the server's fault-in options judges recoverability as the
 * server does, against real Nix: what a substituter has is deleted, what none has is kept, or
 * copied to the cold tier first and then deleted.
 */
@Tag("slow")
class StandaloneGcTest {
    @Test
    void deletesOnlyWhatCanComeBack(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("store"));
        List<StorePath> built = nix.build("[ (" + NixStoreFixture.derivation("on-cache", "echo a > $out") + ") ("
                + NixStoreFixture.derivation("only-here", "echo b > $out") + ") ]");
        StorePath onCache = built.get(0);
        StorePath onlyHere = built.get(1);
        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "cache-1")) {
            check(nix, cache, onCache, onlyHere, dir);
        }
    }

    private static void check(NixStoreFixture nix, BinaryCacheFixture cache, StorePath onCache, StorePath onlyHere, Path dir)
            throws Exception {
        cache.push(nix, onCache);
        List<String> common = List.of("gc", "--standalone", "--store-root", nix.storeRoot().toString(),
                "--state-dir", dir.resolve("state").toString(), "--now", Instant.now().plus(Duration.ofDays(30)).toString(),
                "--json", "--substituters", cache.fileUrl().toString(), "--trusted-public-keys", cache.publicKey());

        // The plan says where each path comes back from, or that it stays.
        Map<String, Object> plan = json(gc(common, "--dry-run"));
        assertEquals("from " + cache.fileUrl(), planned(plan, onCache).get("recovery"));
        assertEquals(false, planned(plan, onlyHere).get("recoverable"), plan.toString());

        // Without a cold tier, only-here cannot come back: kept.
        Map<String, Object> run = json(gc(common));
        assertTrue(deleted(run).contains(onCache.fullPath()), run.toString());
        assertFalse(deleted(run).contains(onlyHere.fullPath()), run.toString());
        assertTrue(failures(run).stream().anyMatch(f -> f.contains(onlyHere.toString()) && f.contains("not recoverable")),
                run.toString());
        assertFalse(nix.isValid(onCache));
        assertTrue(nix.isValid(onlyHere));

        // With a cold tier: copied there, signed, then deleted.
        Path cold = dir.resolve("cold");
        run = json(gc(common, "--cold-tier", "file://" + cold, "--signing-key", cache.secretKey().toString()));
        assertTrue(deleted(run).contains(onlyHere.fullPath()), run.toString());
        assertFalse(nix.isValid(onlyHere));
        assertTrue(Files.readString(cold.resolve(onlyHere.hashPart() + ".narinfo")).contains("Sig: cache-1:"));
        assertEquals("StoreDir: /nix/store\n", Files.readString(cold.resolve("nix-cache-info")));
    }

    @Test
    void cacheOptionsAreForStandaloneOnly(@TempDir Path dir) throws Exception {
        // Through the server, its own caches count: the options would be silently ignored.
        assertEquals(CommandLine.ExitCode.USAGE,
                cli("gc", "--dry-run", "--admin", "127.0.0.1:9", "--substituters", "https://cache.example.org"));
        // A cold tier with no key: its copies could never come back.
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("store"));
        assertEquals(CommandLine.ExitCode.SOFTWARE, cli("gc", "--standalone", "--dry-run", "--store-root",
                nix.storeRoot().toString(), "--state-dir", dir.resolve("state").toString(), "--cold-tier",
                "file://" + dir.resolve("cold")));
        assertEquals(CommandLine.ExitCode.USAGE, cli("gc", "--standalone", "--dry-run", "--store-root",
                nix.storeRoot().toString(), "--state-dir", dir.resolve("state").toString(), "--signing-key",
                dir.resolve("k.sec").toString()));
    }

    /** Runs {@code nixnfs ARGS} and returns what it printed (it prints on System.out). */
    private static String gc(List<String> common, String... more) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, cli(args.toArray(String[]::new)), args.toString());
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int cli(String... args) {
        CommandLine c = new CommandLine(new Main());
        c.setOut(new PrintWriter(new ByteArrayOutputStream()));
        c.setErr(new PrintWriter(new ByteArrayOutputStream()));
        return c.execute(args);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String s) throws Exception {
        return new ObjectMapper().readValue(s, Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> planned(Map<String, Object> plan, StorePath p) {
        return ((List<Map<String, Object>>) plan.get("paths")).stream().filter(m -> p.fullPath().equals(m.get("path")))
                .findFirst().orElseThrow(() -> new AssertionError(p + " not in the plan: " + plan));
    }

    @SuppressWarnings("unchecked")
    private static List<String> deleted(Map<String, Object> run) {
        return (List<String>) run.get("deleted");
    }

    @SuppressWarnings("unchecked")
    private static List<String> failures(Map<String, Object> run) {
        return (List<String>) run.get("failures");
    }
}
