package org.nixnfs.server.vfs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.nixnfs.store.ValidPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the file an object id names, when the handle is not in the node cache: after a restart,
 * on another replica, or after eviction. Walks the store path once (without following symlinks)
 * and keeps its id → relative path map; store paths are immutable, so the map stays right for
 * as long as the path keeps its registration.
 */
final class ObjectIds {
    private static final Logger log = LoggerFactory.getLogger(ObjectIds.class);
    /** A store path with more objects than this is not mapped (handles into it must stay cached). */
    private static final int MAX_OBJECTS_PER_PATH = 2_000_000;

    private record Key(String hashPart, ValidPath.Registration registration) {
    }

    private final Path storeDir;
    private final Cache<Key, Map<ByteBuffer, String>> maps = Caffeine.newBuilder()
            .maximumWeight(4_000_000)
            .weigher((Key k, Map<ByteBuffer, String> v) -> Math.max(1, v.size()))
            .build();

    ObjectIds(Path storeDir) {
        this.storeDir = storeDir;
    }

    Optional<String> relativePath(ValidPath vp, byte[] objectId) {
        Map<ByteBuffer, String> m = maps.get(new Key(vp.path().hashPart(), vp.registration()), k -> walk(vp));
        return Optional.ofNullable(m.get(ByteBuffer.wrap(objectId)));
    }

    private Map<ByteBuffer, String> walk(ValidPath vp) {
        Path root = storeDir.resolve(vp.path().baseName());
        String hash = vp.path().hashPart();
        Map<ByteBuffer, String> m = new HashMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return visit(dir);
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    return visit(file);
                }

                private FileVisitResult visit(Path p) {
                    String rel = root.relativize(p).toString();
                    m.put(ByteBuffer.wrap(FileHandles.objectId(hash, rel)), rel);
                    return m.size() < MAX_OBJECTS_PER_PATH ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }
            });
        } catch (IOException e) {
            log.warn("cannot walk {} to resolve a file handle", root, e);
        }
        return m;
    }
}
