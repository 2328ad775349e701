package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.Recovery;
import org.nixnfs.server.admin.AdminApi;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * What {@code nixnfs gc --dry-run} shows per path about coming back (the plan's JSON, as the admin
 * API sends it, printed by the CLI): a path the substituters could not be asked about is
 * "UNKNOWN, KEPT" and counted at the end, never "no substituter has it"; a derivation is "not needed".
 */
class GcDryRunReportTest {
    @Test
    void pathsThatCouldNotBeCheckedAreShownAndCounted() throws Exception {
        StorePath onCache = path("00000000000000000000000000000001-tool");
        StorePath unknown = path("00000000000000000000000000000002-lib");
        StorePath lost = path("00000000000000000000000000000003-local");
        StorePath drv = path("00000000000000000000000000000004-tool.drv");
        Map<StorePath, Recovery.Source> recovery = new LinkedHashMap<>();
        recovery.put(onCache, new Recovery.Source(Recovery.Kind.ON_CACHE, "https://cache.example.com", null));
        recovery.put(unknown, new Recovery.Source(Recovery.Kind.UNKNOWN, null, "https://cache.example.com: HTTP 503"));
        recovery.put(lost, new Recovery.Source(Recovery.Kind.NOT_RECOVERABLE, null, null));
        recovery.put(drv, new Recovery.Source(Recovery.Kind.NOT_NEEDED, null, null));
        List<GcPlan.DeadPath> dead = recovery.keySet().stream()
                .map(p -> new GcPlan.DeadPath(p, 1024, new ValidPath.Registration(1, 0), 0, "never used over NFS")).toList();
        GcPlan plan = new GcPlan(Instant.parse("2027-01-01T00:00:00Z"), List.of(), dead, 3).withRecovery(recovery);

        // Through JSON, as the CLI gets it from the server.
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper().readValue(new ObjectMapper().writeValueAsBytes(AdminApi.planJson(plan)),
                Map.class);
        assertEquals(1, ((Number) json.get("recoveryUnknown")).intValue());
        String out = printed(json);
        assertTrue(out.contains("recoverable: from https://cache.example.com"), out);
        assertTrue(out.contains("UNKNOWN, KEPT: not checked (https://cache.example.com: HTTP 503)"), out);
        assertTrue(out.contains("KEPT: not recoverable (no substituter has it and there is no cold tier)"), out);
        assertTrue(out.contains("not needed: a derivation"), out);
        assertTrue(out.contains("1 paths could not be checked"), out);
    }

    private static String printed(Map<String, Object> json) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            GcCommand.print(json);
        } finally {
            System.setOut(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static StorePath path(String baseName) {
        return StorePath.parseBaseName(baseName).orElseThrow();
    }
}
