package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nixnfs.server.vfs.TestPaths.storePath;
import static org.nixnfs.server.vfs.TestPaths.valid;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

class StoreDirectoryTest {
    private static final Attributes ON_DISK = new Attributes(FileType.DIRECTORY, 01775, 2, 0, 30000, 4096, 4096, 3,
            10, 20, 30, 40);
    private static final StorePath A = storePath('a', "glibc-2.38");
    private static final StorePath B = storePath('b', "gcc-13.2.0");
    private static final StorePath C = storePath('c', "clang-16.0.6");

    private final StoreIndexHolder index = new StoreIndexHolder(StoreIndex.of(List.of(valid(B, 1), valid(A, 1))));
    private final StoreDirectory dir = new StoreDirectory(index, ON_DISK, MissingPathFetcher.NONE);

    @Test
    void showsExactlyTheValidPaths() throws Exception {
        assertEquals(List.of(A.baseName(), B.baseName()), names(dir.listing()));
        assertEquals(Optional.of(A), dir.lookup(A.baseName(), false).map(ValidPath::path));
        assertTrue(dir.lookup(C.baseName(), false).isEmpty(), "a well-formed name that is not registered");
        assertTrue(dir.lookup("not-a-store-path", false).isEmpty());
        assertEquals(Optional.of(B), dir.byHashPart(B.hashPart()).map(ValidPath::path));
        assertTrue(dir.byHashPart(C.hashPart()).isEmpty());
    }

    @Test
    void followsTheIndex() throws Exception {
        index.replace(StoreIndex.of(List.of(valid(A, 1), valid(C, 2))));
        assertEquals(List.of(A.baseName(), C.baseName()), names(dir.listing()));
        assertTrue(dir.lookup(B.baseName(), false).isEmpty(), "deleted");
        assertTrue(dir.lookup(C.baseName(), false).isPresent(), "registered");
    }

    @Test
    void cookiesComeFromTheHashSoTheyOutliveTheListing() {
        DirectoryListing before = dir.listing();
        long cookieOfB = before.cookie(1);
        assertEquals(StoreDirectory.cookie(B.baseName()), cookieOfB);
        assertTrue(cookieOfB >= DirectoryListing.FIRST_COOKIE);
        index.replace(StoreIndex.of(List.of(valid(A, 1), valid(B, 1), valid(C, 2))));
        DirectoryListing after = dir.listing();
        assertEquals(C.baseName(), after.name(after.indexAfter(cookieOfB)), "a client resumes after B with C");
    }

    @Test
    void theListingIsBuiltOncePerSnapshot() {
        assertNull(dir.cachedListing());
        DirectoryListing l = dir.listing();
        assertSame(l, dir.cachedListing());
        assertSame(l, dir.listing());
        index.replace(StoreIndex.of(List.of(valid(A, 1))));
        assertNull(dir.cachedListing(), "the old snapshot's listing is not served");
    }

    @Test
    void changeAndModifyTimeFollowTheSetOfValidPaths() {
        Attributes before = dir.attributes();
        assertEquals(index.current().fingerprint(), before.change());
        assertEquals(ON_DISK.modifyTime(), before.modifyTime());
        assertEquals(ON_DISK.mode(), before.mode());
        assertEquals(ON_DISK.fileId(), before.fileId());

        index.replace(StoreIndex.of(List.of(valid(A, 1), valid(B, 1))));
        assertEquals(before, dir.attributes(), "the same set of paths: nothing changed");

        index.replace(StoreIndex.of(List.of(valid(A, 1))));
        Attributes after = dir.attributes();
        assertNotEquals(before.change(), after.change());
        assertTrue(after.modifyTime() > before.modifyTime());
        assertTrue(after.size() < before.size());
    }

    @Test
    void turningFaultInOnChangesTheChangeAttribute() {
        // A client caching "no such file" keeps it until the change attribute moves; a restart
        // with fault-in on, same valid paths, must make it ask again.
        StoreDirectory faultIn = new StoreDirectory(index, ON_DISK, path -> true);
        assertNotEquals(dir.attributes().change(), faultIn.attributes().change());
        assertEquals(faultIn.attributes().change(),
                new StoreDirectory(index, ON_DISK, path -> false).attributes().change(), "the same for every fetcher");
    }

    @Test
    void withFaultInTheChangeAttributeMovesOncePerNegativeTtl() {
        // A name answered "no such file" may be fetched once the fetcher forgets that no cache
        // had it; a client caching that answer must then see the directory change.
        MissingPathFetcher thirtySeconds = new MissingPathFetcher() {
            @Override
            public boolean fetching(StorePath path) {
                return false;
            }

            @Override
            public Duration absenceRemembered() {
                return Duration.ofSeconds(30);
            }
        };
        AtomicLong now = new AtomicLong(1_000_000_040_000L); // 20 s into a 30 s period
        StoreDirectory faultIn = new StoreDirectory(index, ON_DISK, thirtySeconds, now::get);
        long first = faultIn.attributes().change();
        now.addAndGet(9_000);
        assertEquals(first, faultIn.attributes().change(), "within one period");
        now.addAndGet(1_000);
        long second = faultIn.attributes().change();
        assertNotEquals(first, second, "the next period");
        assertEquals(second, new StoreDirectory(index, ON_DISK, thirtySeconds, now::get).attributes().change(),
                "replicas with the same clock agree");
        assertNotEquals(dir.attributes().change(), second, "fault-in off is never the same");
        StoreDirectory off = new StoreDirectory(index, ON_DISK, MissingPathFetcher.NONE, now::get);
        long offBefore = off.attributes().change();
        now.addAndGet(3_600_000);
        assertEquals(offBefore, off.attributes().change(), "without fault-in only the index moves it");
    }

    @Test
    void aMissingPathBeingFetchedIsDelayNotNoEntry() throws Exception {
        Set<StorePath> fetching = ConcurrentHashMap.newKeySet();
        fetching.add(C);
        StoreDirectory faultIn = new StoreDirectory(index, ON_DISK, fetching::contains);
        NfsException e = assertThrows(NfsException.class, () -> faultIn.lookup(C.baseName(), false));
        assertEquals(NfsStatus.NFS4ERR_DELAY, e.status());
        // a fetcher that does not hold answers from memory (on the event loop): DELAY
        assertEquals(NfsStatus.NFS4ERR_DELAY,
                assertThrows(NfsException.class, () -> faultIn.lookupInMemory(C.baseName())).status());
        assertTrue(faultIn.lookup(storePath('d', "not-cached").baseName(), false).isEmpty(), "no cache has it");
        assertTrue(faultIn.lookup("not-a-store-path", false).isEmpty());
        assertTrue(faultIn.lookup(A.baseName(), false).isPresent(), "valid paths never ask the fetcher");
    }

    @Test
    void aHeldLookupReturnsThePathOnceFetchedAndIndexed() throws Exception {
        StoreDirectory faultIn = new StoreDirectory(index, ON_DISK, holding(C::equals, path -> {
            index.replace(StoreIndex.of(List.of(valid(A, 1), valid(B, 1), valid(C, 2)))); // Nix registered it
            return true;
        }));
        assertNull(faultIn.lookupInMemory(C.baseName()), "a held LOOKUP must go to a worker thread");
        assertEquals(Optional.empty(), faultIn.lookupInMemory("not-a-store-path"), "never fetched, answered at once");
        assertEquals(Optional.of(A), faultIn.lookupInMemory(A.baseName()).map(ValidPath::path));
        assertEquals(Optional.of(C), faultIn.lookup(C.baseName(), true).map(ValidPath::path));
    }

    @Test
    void aLookupThatMayNotWaitIsDelayEvenWhenTheFetcherHolds() throws Exception {
        AtomicBoolean waited = new AtomicBoolean();
        StoreDirectory faultIn = new StoreDirectory(index, ON_DISK, holding(C::equals, path -> {
            waited.set(true);
            return true;
        }));
        // the event loop's case: the operation layer says it may not wait
        NfsException e = assertThrows(NfsException.class, () -> faultIn.lookup(C.baseName(), false));
        assertEquals(NfsStatus.NFS4ERR_DELAY, e.status());
        assertFalse(waited.get(), "never waits for the fetch");
    }

    @Test
    void aHeldLookupTheCachesSayNoToIsNoEntry() throws Exception {
        Set<StorePath> fetching = ConcurrentHashMap.newKeySet();
        fetching.add(C);
        StoreDirectory faultIn = new StoreDirectory(index, ON_DISK, holding(fetching::contains, path -> {
            fetching.remove(path); // the narinfo check failed while the LOOKUP waited
            return false;
        }));
        assertTrue(faultIn.lookup(C.baseName(), true).isEmpty());
    }

    /** A fetcher that holds: {@code fetching} answers {@link MissingPathFetcher#fetching}, {@code await} the wait. */
    private static MissingPathFetcher holding(Predicate<StorePath> fetching, Predicate<StorePath> await) {
        return new MissingPathFetcher() {
            @Override
            public boolean fetching(StorePath path) {
                return fetching.test(path);
            }

            @Override
            public boolean awaitFetched(StorePath path) {
                return await.test(path);
            }

            @Override
            public boolean holds() {
                return true;
            }
        };
    }

    private static List<String> names(DirectoryListing l) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            names.add(l.name(i));
        }
        return names;
    }
}
