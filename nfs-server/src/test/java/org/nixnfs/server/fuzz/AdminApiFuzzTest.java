package org.nixnfs.server.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcService;
import org.nixnfs.gc.NixStoreCommand;
import org.nixnfs.gc.PinStore;
import org.nixnfs.server.admin.AdminApi;
import org.nixnfs.server.admin.AdminToken;
import org.nixnfs.server.admin.HttpResult;
import org.nixnfs.store.StoreIndex;

/**
 * The admin API's request path (method, URI with its path and query, Authorization header,
 * body): any request gets an HTTP status, never an exception. GC runs here see an empty store
 * and a nix-store that is /bin/false, so nothing the fuzzer asks can delete anything.
 */
class AdminApiFuzzTest {
    static final String TOKEN = "fuzzing-token-0123456789";
    static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", ""};
    static final Set<Integer> STATUSES = Set.of(200, 201, 400, 401, 404, 405, 500);
    static AdminApi api;

    static synchronized AdminApi api() throws Exception {
        if (api == null) {
            InProcessExport.quietLogs();
            Path dir = Files.createTempDirectory("nixnfs-admin-fuzz");
            Supplier<StoreIndex> index = StoreIndex::empty;
            GcService gc = new GcService(GcPolicy.defaults(), new NixStoreCommand(dir, "/bin/false"),
                    new GcService.Facts(index, Map::of, Set::of), new PinStore(dir), Clock.systemUTC(), hashes -> { });
            api = new AdminApi(() -> "# metrics\n", () -> true, index, Map::of, gc, AdminToken.of(TOKEN));
        }
        return api;
    }

    @FuzzTest(maxDuration = "5s")
    void request(FuzzedDataProvider data) throws Exception {
        String method = data.consumeBoolean() ? data.pickValue(METHODS) : data.consumeString(8);
        String authorization = switch (data.consumeInt(0, 2)) {
            case 0 -> null;
            case 1 -> "Bearer " + TOKEN;
            default -> data.consumeString(64);
        };
        String uri = data.consumeString(300);
        byte[] body = data.consumeRemainingAsBytes();
        HttpResult r = api().handle(method, uri, authorization, body);
        if (!STATUSES.contains(r.status())) {
            throw new AssertionError("unexpected status " + r.status() + " for " + method + " " + uri);
        }
    }
}
