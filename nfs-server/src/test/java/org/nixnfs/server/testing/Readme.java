package org.nixnfs.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Facts tests take from README.md, so that what README tells users is what is tested. */
public final class Readme {
    private static final Pattern MOUNT = Pattern.compile("mount -t nfs4 -o (\\S+)");

    private Readme() {
    }

    public static Path path() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("README.md")) || !Files.isDirectory(dir.resolve("nfs-server"))) {
            dir = dir.getParent();
            if (dir == null) {
                throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
            }
        }
        return dir.resolve("README.md");
    }

    /** The options of README's executor mount command. */
    public static String recommendedMountOptions() throws IOException {
        Matcher m = MOUNT.matcher(Files.readString(path()));
        if (!m.find()) {
            throw new IllegalStateException("README.md has no 'mount -t nfs4 -o ...' line");
        }
        return m.group(1);
    }
}
