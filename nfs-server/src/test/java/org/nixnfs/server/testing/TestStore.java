package org.nixnfs.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * The Nix store the NFS integration tests export, built once per test JVM with real Nix: a
 * toolchain-like path (executable, library symlinks, a symlink pointing outside the store), a
 * 1,000-entry directory, a 2.7 MB file, a store path that is a single file, and one directory
 * that sits in the store but is not registered (a copy in progress).
 */
public final class TestStore {
    public final NixStoreFixture nix;
    public final StorePath tool;
    public final StorePath bigDir;
    public final StorePath blob;
    public final StorePath single;
    public final StorePath unregistered;

    private static TestStore instance;

    private TestStore(NixStoreFixture nix, List<StorePath> built, StorePath unregistered) {
        this.nix = nix;
        this.tool = built.get(0);
        this.bigDir = built.get(1);
        this.blob = built.get(2);
        this.single = built.get(3);
        this.unregistered = unregistered;
    }

    public static synchronized TestStore get() throws IOException {
        if (instance == null) {
            NixStoreFixture.requireNix();
            Path dir = Files.createTempDirectory("nixnfs-test-store");
            NixStoreFixture nix = NixStoreFixture.create(dir);
            String expr = "let\n"
                    + "  tool = " + NixStoreFixture.derivation("tool-1.0", String.join("\n",
                        "/bin/mkdir -p $out/bin $out/lib $out/include",
                        "printf '#!/bin/sh\\necho hello from tool\\n' > $out/bin/tool",
                        "/bin/chmod 0555 $out/bin/tool",
                        "/bin/ln -s tool $out/bin/tool-alias",
                        "printf 'ELF-ish library' > $out/lib/libtool.so.1",
                        "/bin/ln -s libtool.so.1 $out/lib/libtool.so",
                        "/bin/ln -s /etc/passwd $out/escape",
                        "/bin/ln -s ../../../../etc/passwd $out/lib/escape-relative",
                        "printf '#define TOOL 1\\n' > $out/include/tool.h")) + ";\n"
                    + "  bigdir = " + NixStoreFixture.derivation("bigdir", String.join("\n",
                        "/bin/mkdir -p $out",
                        "i=0; while [ $i -lt 1000 ]; do printf $i > $out/entry-$i; i=$((i+1)); done")) + ";\n"
                    + "  blob = " + NixStoreFixture.derivation("blob", String.join("\n",
                        "/bin/mkdir -p $out",
                        "/usr/bin/seq 1 400000 > $out/blob.bin")) + ";\n"
                    + "  single = " + NixStoreFixture.derivation("single-file", "printf 'just one file\\n' > $out") + ";\n"
                    + "in [ tool bigdir blob single ]";
            List<StorePath> built = nix.build(expr);
            StorePath half = new StorePath("0000000000000000000000000000000a".replace('a', 'z'), "half-copied");
            nix.createUnregistered(half);
            instance = new TestStore(nix, built, half);
        }
        return instance;
    }

    public Path onDisk(StorePath p) {
        return nix.realPath(p);
    }

    public static String exportPath(StorePath p) {
        return "/nix/store/" + p.baseName();
    }
}
