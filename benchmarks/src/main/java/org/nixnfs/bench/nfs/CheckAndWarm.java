package org.nixnfs.bench.nfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run by benchmarks/run before JMH, once per server:
 * {@code CheckAndWarm TARGET SECONDS} (with the {@link Dataset} system properties).
 *
 * <p>First checks that the server serves the data set right, so the suite never times a
 * server that answers wrongly: the small file's bytes, the big directory's names, the big
 * file's size and its first and last MiB, all against the local files; and that a 1 MiB READ
 * returns 1 MiB (the sequential benchmarks assume it). Then runs every benchmark operation in
 * a loop for SECONDS, so a JIT-compiled server (nixnfs) is warm before the first measurement
 * (cold, its first requests are several times slower). Prints one line; exits non-zero on any
 * mismatch.
 */
public final class CheckAndWarm {
    private CheckAndWarm() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: CheckAndWarm nixnfs|ganesha SECONDS");
            System.exit(2);
        }
        String target = args[0];
        double seconds = Double.parseDouble(args[1]);
        Dataset ds = Dataset.fromSystemProperties();
        try (BenchNfsClient c = BenchNfsClient.connect(Dataset.server(target))) {
            check(target, ds, c);
            long ops = warm(ds, c, seconds);
            System.out.printf("%s: serves the data set correctly (max response %d bytes); warmed with %d operations in %.0f s%n",
                    target, c.maxResponse(), ops, seconds);
        } catch (IOException | AssertionError e) {
            System.err.println(target + ": " + e);
            System.exit(1);
        }
    }

    static void check(String target, Dataset ds, BenchNfsClient c) throws IOException {
        // The small file, through the same calls as the benchmark.
        byte[] want = Files.readAllBytes(ds.local(ds.smallFile()));
        byte[] dir = c.lookupPath(Dataset.remote(Dataset.parent(ds.smallFile())));
        byte[] fh = c.lookup(dir, Dataset.name(ds.smallFile()));
        byte[] st = c.open(fh);
        int n = c.read(fh, st, 0, NfsBench.SMALL_READ);
        byte[] got = new byte[n];
        c.lastData(got, 0, n);
        c.close(fh, st);
        if (!Arrays.equals(got, want) || !c.lastEof()) {
            throw new AssertionError("small file " + ds.smallFile() + ": got " + n + " bytes (eof " + c.lastEof()
                    + "), not the local file's " + want.length);
        }

        // The big directory's names.
        List<String> local;
        try (Stream<Path> s = Files.list(ds.local(ds.bigDirectory()))) {
            local = new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        List<String> remote = new ArrayList<>();
        int entries = c.readdir(c.lookupPath(Dataset.remote(ds.bigDirectory())), NfsBench.READDIR_SIZE, remote::add);
        remote.sort(null);
        if (entries != local.size() || !remote.equals(local)) {
            throw new AssertionError("directory " + ds.bigDirectory() + ": " + entries + " entries, local has " + local.size());
        }

        // The big file: size, first and last MiB, and that a 1 MiB READ is served whole.
        Path bigLocal = ds.local(ds.bigFile());
        long size = Files.size(bigLocal);
        byte[] big = c.lookupPath(Dataset.remote(ds.bigFile()));
        long remoteSize = c.getattr(big);
        if (remoteSize != size) {
            throw new AssertionError("big file size " + remoteSize + ", local " + size);
        }
        byte[] bst = c.open(big);
        for (long off : new long[] {0, size - NfsBench.READ_SIZE}) {
            int r = c.read(big, bst, off, NfsBench.READ_SIZE);
            if (r != NfsBench.READ_SIZE) {
                throw new AssertionError("a READ of " + NfsBench.READ_SIZE + " bytes returned " + r
                        + " (the server's maximum read is smaller)");
            }
            byte[] g = new byte[r];
            c.lastData(g, 0, r);
            byte[] w = new byte[r];
            try (var ch = FileChannel.open(bigLocal)) {
                ch.read(ByteBuffer.wrap(w), off);
            }
            if (!Arrays.equals(g, w)) {
                throw new AssertionError("big file: wrong bytes at offset " + off);
            }
        }
        c.close(big, bst);
    }

    /** Every benchmark's operation, round-robin, for {@code seconds}. */
    static long warm(Dataset ds, BenchNfsClient c, double seconds) throws IOException {
        byte[] dir = c.lookupPath(Dataset.remote(Dataset.parent(ds.smallFile())));
        byte[] name = Dataset.name(ds.smallFile()).getBytes(StandardCharsets.UTF_8);
        byte[] ga = c.lookupPath(Dataset.remote(ds.getattrFile()));
        byte[] bigDir = c.lookupPath(Dataset.remote(ds.bigDirectory()));
        byte[] big = c.lookupPath(Dataset.remote(ds.bigFile()));
        long size = c.getattr(big);
        byte[] bst = c.open(big);
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long ops = 0;
        long off = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 50; i++) {
                c.getattr(ga);
                byte[] fh = c.lookup(dir, name);
                byte[] st = c.open(fh);
                c.read(fh, st, 0, NfsBench.SMALL_READ);
                c.close(fh, st);
                ops += 5;
            }
            c.readdir(bigDir, NfsBench.READDIR_SIZE, null);
            for (int i = 0; i < 4; i++) {
                c.read(big, bst, off, NfsBench.READ_SIZE);
                off = off + NfsBench.READ_SIZE >= size ? 0 : off + NfsBench.READ_SIZE;
            }
            ops += 5;
        }
        c.close(big, bst);
        return ops;
    }
}
