package org.nixnfs.server.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Files of the repository the deploy tests check: deploy/ and README.md. */
final class RepoFiles {
    private RepoFiles() {
    }

    /** The repository root: the nearest ancestor of the working directory with deploy/ and README.md. */
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("README.md"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("no repository root with deploy/ above " + Path.of("").toAbsolutePath());
    }

    static Path deploy(String relative) {
        return root().resolve("deploy").resolve(relative);
    }

    static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** The NFS mount options README recommends: the -o argument of its "mount -t nfs4" command. */
    static List<String> readmeMountOptions() throws IOException {
        String readme = Files.readString(root().resolve("README.md"));
        Matcher m = Pattern.compile("mount -t nfs4 -o (\\S+)").matcher(readme);
        if (!m.find()) {
            throw new AssertionError("README.md has no 'mount -t nfs4 -o ...' command");
        }
        List<String> opts = new ArrayList<>(List.of(m.group(1).split(",")));
        if (m.find()) {
            throw new AssertionError("README.md has more than one 'mount -t nfs4 -o' command: which one is it?");
        }
        return opts;
    }
}
