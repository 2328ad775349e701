package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PseudoTreeTest {
    private static final Attributes STORE_DIR = new Attributes(FileType.DIRECTORY, 01775, 2, 0, 30000, 4096, 4096, 3,
            10, 20, 30, 40);

    private static PseudoTree tree(String exportPath) {
        List<String> components = List.of(exportPath.split("/")).stream().filter(s -> !s.isEmpty()).toList();
        return new PseudoTree(components, new FileHandles(exportPath), STORE_DIR);
    }

    @Test
    void leadsFromTheRootToTheExport() {
        PseudoTree t = tree("/nix/store");
        Node.Pseudo root = (Node.Pseudo) t.root();
        assertEquals(0, root.depth());
        Node.Pseudo nix = (Node.Pseudo) t.lookup(root, "nix").orElseThrow();
        assertEquals(1, nix.depth());
        assertSame(t.exportRoot(), t.lookup(nix, "store").orElseThrow());
        assertEquals(List.of("nix"), names(t.list(root)));
        assertEquals(List.of("store"), names(t.list(nix)));
    }

    @Test
    void hasNothingElse() {
        PseudoTree t = tree("/nix/store");
        Node.Pseudo root = (Node.Pseudo) t.root();
        assertTrue(t.lookup(root, "store").isEmpty());
        assertTrue(t.lookup(root, "etc").isEmpty());
        assertTrue(t.parent(root).isEmpty(), "\"/\" has no parent");
        assertTrue(t.at(2).isEmpty());
        assertTrue(t.at(-1).isEmpty());
    }

    @Test
    void parentsLeadBackUp() {
        PseudoTree t = tree("/nix/store");
        Node nix = t.at(1).orElseThrow();
        assertEquals(Optional.of(nix), t.parentOfExportRoot());
        assertEquals(Optional.of(t.root()), t.parent((Node.Pseudo) nix));
    }

    @Test
    void pseudoDirectoriesAreReadOnlyDirectoriesWithTheStoreDirectorysTimes() {
        Node.Pseudo nix = tree("/nix/store").at(1).orElseThrow();
        assertEquals(FileType.DIRECTORY, nix.attributes().type());
        assertEquals(0555, nix.attributes().mode());
        assertEquals(STORE_DIR.modifyTime(), nix.attributes().modifyTime());
        assertEquals(PseudoTree.fileId(1), nix.attributes().fileId());
    }

    @Test
    void exportingTheRootHasNoPseudoDirectories() {
        PseudoTree t = tree("/");
        assertSame(t.exportRoot(), t.root());
        assertTrue(t.parentOfExportRoot().isEmpty());
        assertTrue(t.at(0).isEmpty());
    }

    @Test
    void handlesAreTheSameForTheSameExportPath() {
        assertEquals(tree("/nix/store").at(1).orElseThrow().handle(), tree("/nix/store").at(1).orElseThrow().handle());
        assertEquals(tree("/nix/store").exportRoot(), tree("/nix/store").exportRoot());
    }

    static List<String> names(DirectoryListing l) {
        return IntStream.range(0, l.size()).mapToObj(l::name).toList();
    }
}
