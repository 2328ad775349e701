package org.nixnfs.bench.nfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What an executor does to /nix/store when it runs a toolchain, one benchmark per kind of
 * request, against nixnfs, nfs-ganesha and (the limit) the local filesystem holding the same
 * files. Every JMH thread has its own state, so its own TCP connection and NFSv4.1 session.
 *
 * <p>SampleTime mode: each operation is timed, so the results have p50 and p99 latencies; the
 * throughput of a run is threads / mean time per operation (threads never wait between
 * operations). The data set is benchmarks/dataset (see {@link Dataset}).
 *
 * <ul>
 *   <li>{@code nullCall}: the NULL procedure on the same connection: the floor of a round trip
 *       (client, loopback, the server's RPC layer) under every COMPOUND; local: nothing
 *       (the cost of a JMH call).</li>
 *   <li>{@code getattr}: SEQUENCE PUTFH GETATTR on a handle the client holds (stat() once the
 *       attribute cache expired); local: lstat.</li>
 *   <li>{@code lookup}: SEQUENCE PUTFH LOOKUP GETFH GETATTR of one component (stdio.h in
 *       glibc's include/); local: lstat of that path.</li>
 *   <li>{@code smallFile}: the four round trips of open+read+close of a 4 KiB header on a cold
 *       client: LOOKUP (as above), OPEN (CLAIM_FH) ACCESS GETATTR, READ 4096, CLOSE; local:
 *       lstat, open, read, close.</li>
 *   <li>{@code readdir}: the whole 1,000-entry directory with the attributes `ls -l` makes Linux
 *       ask for (READDIRs of 64 KiB until eof); local: list it and lstat every entry.</li>
 *   <li>{@code seqRead}: one 1 MiB READ, each thread going sequentially through the 100 MiB
 *       file (and around); throughput is in MiB/s; local: pread into a direct buffer.</li>
 *   <li>{@code *_8}, {@code *_64}: the same with 8 and 64 concurrent clients.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NfsBench {
    /** Bytes per sequential READ. */
    public static final int READ_SIZE = 1 << 20;
    /** READDIR reply size (maxcount) per request. */
    public static final int READDIR_SIZE = 64 * 1024;
    /** READ size for the small file: what Linux asks for a one-page file. */
    public static final int SMALL_READ = 4096;

    @Param({"nixnfs", "ganesha", "local"})
    public String target;

    private BenchNfsClient client;
    private byte[] smallDirFh;
    private byte[] smallName;
    private byte[] getattrFh;
    private byte[] bigDirFh;
    private byte[] bigFh;
    private byte[] bigStateid;
    private long bigSize;
    private long offset;

    private Path smallPath;
    private Path getattrPath;
    private Path bigDirPath;
    private FileChannel bigChannel;
    private ByteBuffer localBuf;
    private final ByteBuffer smallBuf = ByteBuffer.allocateDirect(SMALL_READ);

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Dataset ds = Dataset.fromSystemProperties();
        if (target.equals("local")) {
            smallPath = ds.local(ds.smallFile());
            getattrPath = ds.local(ds.getattrFile());
            bigDirPath = ds.local(ds.bigDirectory());
            bigChannel = FileChannel.open(ds.local(ds.bigFile()), StandardOpenOption.READ);
            bigSize = bigChannel.size();
            localBuf = ByteBuffer.allocateDirect(READ_SIZE);
        } else {
            client = BenchNfsClient.connect(Dataset.server(target));
            smallDirFh = client.lookupPath(Dataset.remote(Dataset.parent(ds.smallFile())));
            smallName = Dataset.name(ds.smallFile()).getBytes(StandardCharsets.UTF_8);
            getattrFh = client.lookupPath(Dataset.remote(ds.getattrFile()));
            bigDirFh = client.lookupPath(Dataset.remote(ds.bigDirectory()));
            bigFh = client.lookupPath(Dataset.remote(ds.bigFile()));
            bigSize = client.getattr(bigFh);
            bigStateid = client.open(bigFh);
        }
        // Threads start at different places in the big file, as independent executors would.
        offset = ThreadLocalRandom.current().nextLong(bigSize / READ_SIZE) * READ_SIZE;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (client != null) {
            client.close(bigFh, bigStateid);
            client.close();
        }
        if (bigChannel != null) {
            bigChannel.close();
        }
    }

    // ---- single client

    @Benchmark
    public int nullCall() throws IOException {
        if (client == null) {
            return 0;
        }
        client.nullCall();
        return 1;
    }

    @Benchmark
    public long getattr() throws IOException {
        if (client == null) {
            return Files.readAttributes(getattrPath, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size();
        }
        return client.getattr(getattrFh);
    }

    @Benchmark
    public Object lookup() throws IOException {
        if (client == null) {
            return Files.readAttributes(smallPath, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        return client.lookup(smallDirFh, smallName);
    }

    @Benchmark
    public int smallFile(Blackhole bh) throws IOException {
        if (client == null) {
            bh.consume(Files.readAttributes(smallPath, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            try (FileChannel ch = FileChannel.open(smallPath, StandardOpenOption.READ)) {
                smallBuf.clear();
                int n = ch.read(smallBuf, 0);
                return n + smallBuf.get(0);
            }
        }
        byte[] fh = client.lookup(smallDirFh, smallName);
        byte[] stateid = client.open(fh);
        int n = client.read(fh, stateid, 0, SMALL_READ);
        int b = client.lastDataByte(0);
        client.close(fh, stateid);
        return n + b;
    }

    @Benchmark
    public int readdir(Blackhole bh) throws IOException {
        if (client == null) {
            int n = 0;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(bigDirPath)) {
                for (Path p : ds) {
                    bh.consume(Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
                    n++;
                }
            }
            return n;
        }
        return client.readdir(bigDirFh, READDIR_SIZE, null);
    }

    @Benchmark
    public int seqRead() throws IOException {
        long at = offset;
        offset = at + READ_SIZE >= bigSize ? 0 : at + READ_SIZE;
        if (client == null) {
            localBuf.clear();
            int n = 0;
            while (localBuf.hasRemaining()) {
                int r = bigChannel.read(localBuf, at + n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return n + localBuf.get(n - 1);
        }
        int n = client.read(bigFh, bigStateid, at, READ_SIZE);
        if (n != READ_SIZE) {
            throw new IOException(target + " returned " + n + " bytes for a READ of " + READ_SIZE + " at " + at);
        }
        return n + client.lastDataByte(n - 1);
    }

    // ---- concurrent clients (one connection and session each)

    @Benchmark
    @Threads(8)
    public int smallFile_8(Blackhole bh) throws IOException {
        return smallFile(bh);
    }

    @Benchmark
    @Threads(64)
    public int smallFile_64(Blackhole bh) throws IOException {
        return smallFile(bh);
    }

    @Benchmark
    @Threads(8)
    public int seqRead_8() throws IOException {
        return seqRead();
    }

    @Benchmark
    @Threads(64)
    public int seqRead_64() throws IOException {
        return seqRead();
    }
}
