package org.nixnfs.gc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.nixnfs.store.StorePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link GcPlan}: removes dead rules_nixpkgs roots, then deletes paths through
 * Nix in bounded batches, referrers first.
 *
 * <p>Safe under concurrency: before each batch, every planned path is checked again against
 * fresh facts (a use since planning, a new registration, an open file, a pin); if any path of
 * the plan came back to life, the run stops there, because its whole closure is live again, and
 * the next run plans anew. A root that was re-created since planning is left alone. Nix refuses
 * to delete what is rooted or referenced, which covers a push racing with the last batch.
 */
public final class GcRunner {
    private static final Logger log = LoggerFactory.getLogger(GcRunner.class);

    /** Fresh facts about paths, asked for just before each batch. */
    public interface LivenessCheck {
        /** The planned paths that must not be deleted now (used, re-registered, opened or pinned since planning). */
        Set<StorePath> revived(List<GcPlan.DeadPath> planned);
    }

    private final NixStoreCommand nix;
    private final int batchSize;
    private final Recovery recovery;

    public GcRunner(NixStoreCommand nix, int batchSize) {
        this(nix, batchSize, null);
    }

    /** @param recovery when not null, a path is deleted only once it can come back (a substituter or the cold tier has it) */
    public GcRunner(NixStoreCommand nix, int batchSize, Recovery recovery) {
        this.nix = nix;
        this.batchSize = batchSize;
        this.recovery = recovery;
    }

    public GcRunResult run(GcPlan plan, LivenessCheck check, Supplier<Instant> clock) {
        Instant started = clock.get();
        List<Path> removedRoots = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Set<StorePath> revivedBefore = check.revived(plan.paths());
        if (!revivedBefore.isEmpty()) {
            log.info("GC does nothing: {} planned paths are in use again ({}...); the next run plans anew",
                    revivedBefore.size(), revivedBefore.iterator().next());
            return new GcRunResult(started, Duration.between(started, clock.get()), List.of(), 0, List.of(), List.of(),
                    true);
        }
        for (GcRoot root : plan.rootsToRemove()) {
            try {
                if (removeIfUnchanged(root)) {
                    removedRoots.add(root.link());
                } else {
                    failures.add(root.link() + ": re-created since planning, kept");
                }
            } catch (IOException e) {
                failures.add(root.link() + ": " + e.getMessage());
            }
        }
        List<GcPlan.DeadPath> deleted = new ArrayList<>();
        boolean stopped = false;
        List<GcPlan.DeadPath> todo = plan.paths();
        for (int i = 0; i < todo.size() && !stopped; i += batchSize) {
            List<GcPlan.DeadPath> remaining = todo.subList(i, todo.size());
            Set<StorePath> revived = check.revived(remaining);
            if (!revived.isEmpty()) {
                log.info("GC stops: {} planned paths are in use again ({}...); the next run plans anew",
                        revived.size(), revived.iterator().next());
                stopped = true;
                break;
            }
            List<GcPlan.DeadPath> batch = todo.subList(i, Math.min(todo.size(), i + batchSize));
            if (recovery != null) {
                Set<StorePath> recoverable = Set.copyOf(recovery.ensure(batch.stream().map(GcPlan.DeadPath::path).toList(),
                        failures));
                batch = batch.stream().filter(d -> recoverable.contains(d.path())).toList();
                if (batch.isEmpty()) {
                    continue;
                }
            }
            deleteBatch(batch, deleted, failures);
        }
        long bytes = deleted.stream().mapToLong(GcPlan.DeadPath::narSize).sum();
        GcRunResult result = new GcRunResult(started, Duration.between(started, clock.get()), List.copyOf(deleted),
                bytes, List.copyOf(removedRoots), List.copyOf(failures), stopped);
        log.info("GC freed {} in {} paths ({} roots removed, {} failures{}) in {} ms", GcRunResult.humanBytes(bytes),
                deleted.size(), removedRoots.size(), failures.size(), stopped ? ", stopped early" : "",
                result.duration().toMillis());
        return result;
    }

    private void deleteBatch(List<GcPlan.DeadPath> batch, List<GcPlan.DeadPath> deleted, List<String> failures) {
        try {
            NixStoreCommand.DeleteResult r = nix.delete(batch.stream().map(GcPlan.DeadPath::path).toList());
            if (r.ok()) {
                deleted.addAll(batch);
                log.info("deleted {} paths ({}): {}", batch.size(),
                        GcRunResult.humanBytes(batch.stream().mapToLong(GcPlan.DeadPath::narSize).sum()),
                        String.join(" ", batch.stream().map(d -> d.path().baseName()).toList()));
                return;
            }
            log.warn("nix-store --delete of a batch of {} failed, retrying one by one: {}", batch.size(), lastLine(r.message()));
        } catch (IOException e) {
            log.warn("nix-store --delete failed: {}", e.getMessage());
        }
        // One path Nix refuses must not hold back the others.
        for (GcPlan.DeadPath d : batch) {
            try {
                NixStoreCommand.DeleteResult r = nix.delete(List.of(d.path()));
                if (r.ok()) {
                    deleted.add(d);
                    log.info("deleted {} ({})", d.path(), GcRunResult.humanBytes(d.narSize()));
                } else {
                    failures.add(d.path() + ": " + lastLine(r.message()));
                    log.warn("not deleted: {}: {}", d.path(), lastLine(r.message()));
                }
            } catch (IOException e) {
                failures.add(d.path() + ": " + e.getMessage());
            }
        }
    }

    /** Deletes a rules_nixpkgs root link unless it changed since it was listed (a fresh re-root). */
    private static boolean removeIfUnchanged(GcRoot root) throws IOException {
        Path link = root.link();
        if (!Files.isSymbolicLink(link)) {
            return true; // already gone
        }
        Instant modified = Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toInstant();
        String target = Files.readSymbolicLink(link).toString();
        if (!modified.equals(root.linkModified()) || !target.endsWith("/" + root.target().baseName())) {
            return false;
        }
        Files.delete(link);
        log.info("removed rules_nixpkgs root {} -> {}", link, root.target());
        return true;
    }

    /** Nix's error line if there is one, else its last line. */
    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        for (String l : lines) {
            if (l.startsWith("error:")) {
                return l;
            }
        }
        return lines[lines.length - 1];
    }
}
