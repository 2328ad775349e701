package org.nixnfs.bench.nfs;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The data set and the servers a benchmark run uses, from system properties that
 * benchmarks/run sets:
 * <ul>
 *   <li>{@code nixnfs.bench.dataset}: the dataset.properties that benchmarks/dataset/build wrote</li>
 *   <li>{@code nixnfs.bench.nixnfs}, {@code nixnfs.bench.ganesha}: HOST:PORT of each server, both
 *       exporting the data set's store at /nix/store</li>
 * </ul>
 */
public record Dataset(Path store, String smallFile, String bigDirectory, String bigFile, String getattrFile,
        String toolchain) {

    /** Where each server exports the store. */
    public static final String EXPORT = "/nix/store";

    public static Dataset fromSystemProperties() {
        String file = System.getProperty("nixnfs.bench.dataset");
        if (file == null) {
            throw new IllegalStateException("set -Dnixnfs.bench.dataset=DIR/dataset.properties (benchmarks/dataset/build prints it)");
        }
        return load(Path.of(file));
    }

    public static Dataset load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Dataset(Path.of(p.getProperty("store")), p.getProperty("smallFile"), p.getProperty("bigDirectory"),
                p.getProperty("bigFile"), p.getProperty("getattrFile"), p.getProperty("toolchain"));
    }

    /** A file of the data set on the local filesystem. */
    public Path local(String relative) {
        return store.resolve(relative);
    }

    /** The absolute path of a file of the data set on an NFS server. */
    public static String remote(String relative) {
        return EXPORT + "/" + relative;
    }

    /** The address of a server target ("nixnfs" or "ganesha"). */
    public static InetSocketAddress server(String target) {
        String v = System.getProperty("nixnfs.bench." + target);
        if (v == null) {
            throw new IllegalStateException("set -Dnixnfs.bench." + target + "=HOST:PORT");
        }
        int colon = v.lastIndexOf(':');
        return new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
    }

    static String parent(String relative) {
        return relative.substring(0, relative.lastIndexOf('/'));
    }

    static String name(String relative) {
        return relative.substring(relative.lastIndexOf('/') + 1);
    }
}
