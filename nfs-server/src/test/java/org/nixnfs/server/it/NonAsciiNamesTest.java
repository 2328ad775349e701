package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * File names that are not ASCII, in a store path Nix built: READDIR returns their UTF-8 bytes
 * unchanged (precomposed and decomposed "café" stay two names), and LOOKUP by those bytes finds
 * each file. The kernel client checks the same on the demo store (mount-check.sh).
 */
class NonAsciiNamesTest {
    @Test
    void namesComeBackByteForByteAndFindTheirFiles(@TempDir Path dir) throws Exception {
        Map<String, String> files = new HashMap<>();
        files.put("caf\u00e9", "NFC");
        files.put("cafe\u0301", "NFD");
        files.put("\u65e5\u672c\u8a9e.txt", "three-byte");
        files.put("emoji-\ud83e\udd80.txt", "four-byte");
        StringBuilder script = new StringBuilder("/bin/mkdir -p $out; ");
        files.forEach((name, content) -> script.append("printf ").append(content).append(" > \"$out/$(printf '")
                .append(octal(name)).append("')\"; "));
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath p = nix.build(NixStoreFixture.derivation("names", script.toString())).get(0);

        try (NixnfsServer server = ServerHarness.start(nix.storeRoot(), 90, 0);
             Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 2)) {
            byte[] fh = c.lookup("/nix/store/" + p.baseName());
            assertEquals(files.keySet(), Set.copyOf(c.readDirNames(fh, 8192)));
            for (var e : files.entrySet()) {
                byte[] f = c.lookup("/nix/store/" + p.baseName() + "/" + e.getKey());
                assertEquals(e.getValue(), Nfs4TestClient.utf8(c.readAll(f, 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096)),
                        e.getKey());
            }
        }
    }

    /** The name's UTF-8 bytes as a printf format ({@code \ooo} for each non-ASCII byte). */
    private static String octal(String name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            sb.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\%03o", b & 0xff));
        }
        return sb.toString();
    }
}
