package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

class QuadtreeTest {

    /** A two-axis search on (0..lastX) × (0..lastY) run to its end against {@code outcome}, with {@code failed} keys failing. */
    static Quadtree search(int lastX, int lastY, BiFunction<Integer, Integer, String> outcome, Set<Integer> failed) {
        Quadtree q = new Quadtree(lastX, lastY, Map.of(), Set.of());
        for (List<Integer> next = q.next(); !next.isEmpty(); next = q.next()) {
            Map<Integer, String> known = new TreeMap<>(q.known());
            Set<Integer> failing = new java.util.TreeSet<>(q.failed());
            for (int k : next) {
                if (failed.contains(k)) {
                    failing.add(k);
                } else {
                    known.put(k, outcome.apply(k / (lastY + 1), k % (lastY + 1)));
                }
            }
            q = new Quadtree(lastX, lastY, known, failing);
        }
        return q;
    }

    @Test
    void theFirstRoundIsACoarseGridOfFourCellsPerAxis() {
        assertEquals(List.of(0, 4, 8, 12, 16), Quadtree.coarse(16));
        assertEquals(List.of(0, 3, 5, 8, 10), Quadtree.coarse(10), "2.5 and 7.5 rounded half up");
        assertEquals(List.of(0, 1, 2), Quadtree.coarse(2), "every point when there are fewer");
        assertEquals(25, new Quadtree(16, 16, Map.of(), Set.of()).next().size());
    }

    /**
     * Three phases split by two straight lines: every point trained has its true outcome, every
     * leaf whose corners disagree is one lattice step wide, and every pair of neighbouring lattice
     * points with different outcomes lies in such a leaf, with far fewer runs than the 33 × 33 grid.
     */
    @Test
    void phaseLinesAreFollowedToOneStepWithAFractionOfTheGrid() {
        BiFunction<Integer, Integer, String> phase = (i, j) -> i + j < 20 ? "confusion" : i < 2 * j - 10 ? "grokking" : "comprehension";
        Quadtree q = search(32, 32, phase, Set.of());
        assertEquals(Bracket.Status.RESOLVED, q.status());
        q.known().forEach((k, v) -> assertEquals(phase.apply(k / 33, k % 33), v, "point " + k));
        q.inferred().forEach((k, v) -> assertEquals(phase.apply(k / 33, k % 33), v, "point " + k + ", untrained"));
        List<Quadtree.Cell> mixed = q.leaves().stream().filter(c -> c.outcome().equals("mixed")).toList();
        mixed.forEach(c -> assertTrue(c.x1() - c.x0() == 1 && c.y1() - c.y0() == 1, c.toString()));
        int crossings = 0;
        for (int i = 0; i <= 32; i++) {
            for (int j = 0; j <= 32; j++) {
                int x = i, y = j;
                if (i < 32 && !phase.apply(i, j).equals(phase.apply(i + 1, j))) { // crossed along x
                    crossings++;
                    assertTrue(mixed.stream().anyMatch(c -> c.x0() == x && c.y0() <= y && y <= c.y1()),
                            "the change between (" + i + ", " + j + ") and (" + (i + 1) + ", " + j + ") is in a mixed cell");
                }
                if (j < 32 && !phase.apply(i, j).equals(phase.apply(i, j + 1))) { // crossed along y
                    crossings++;
                    assertTrue(mixed.stream().anyMatch(c -> c.y0() == y && c.x0() <= x && x <= c.x1()),
                            "the change between (" + i + ", " + j + ") and (" + i + ", " + (j + 1) + ") is in a mixed cell");
                }
            }
        }
        // i + j = 20 is crossed once in each of rows and columns 0..19 (20 + 20); i = 2j - 10, beyond it,
        // by 11 steps along x and 23 along y
        assertEquals(74, crossings, "the changes between neighbouring points, both axes");
        assertTrue(q.known().size() < 33 * 33 / 2, q.known().size() + " runs of 1,089");
    }

    /**
     * A boundary between rows 4 and 5 of a 9 × 9 lattice: the coarse cells it crosses are split,
     * every point of row 5 is trained (their edges' ends disagree, or they are centres), and the
     * midpoints of the rows 4 and 6 edges, whose ends agree, take their ends' outcome untrained.
     */
    @Test
    void theMidpointOfAnEdgeWhoseEndsAgreeIsNotTrained() {
        Quadtree q = search(8, 8, (i, j) -> j < 5 ? "no" : "yes", Set.of());
        assertEquals(Bracket.Status.RESOLVED, q.status());
        for (int i = 0; i <= 8; i++) {
            assertTrue(q.known().containsKey(i * 9 + 5), "(" + i + ", 5) trained");
        }
        for (int i = 1; i <= 7; i += 2) {
            assertEquals("no", q.inferred().get(i * 9 + 4), "(" + i + ", 4)");
            assertEquals("yes", q.inferred().get(i * 9 + 6), "(" + i + ", 6)");
        }
        assertEquals(25 + 9, q.known().size(), "the coarse grid and row 5");
        assertEquals(8, q.inferred().size());
        assertEquals(8, q.leaves().stream().filter(c -> c.outcome().equals("mixed")).count(),
                "one step wide, between rows 4 and 5");
    }

    /**
     * A dense grid already in the output: the tree is the one the search alone would build, and
     * the runs it reads are the points that search trained or inferred, not all 81.
     */
    @Test
    void aDenseGridInTheOutputIsReadWhereTheSearchWouldLook() {
        BiFunction<Integer, Integer, String> outcome = (i, j) -> j < 5 ? "no" : "yes";
        Quadtree alone = search(8, 8, outcome, Set.of());
        Map<Integer, String> dense = new TreeMap<>();
        for (int k = 0; k < 81; k++) {
            dense.put(k, outcome.apply(k / 9, k % 9));
        }
        Quadtree shared = new Quadtree(8, 8, dense, Set.of());
        assertEquals(List.of(), shared.next());
        assertEquals(alone.leaves(), shared.leaves());
        Set<Integer> read = new java.util.TreeSet<>(alone.known().keySet());
        read.addAll(alone.inferred().keySet());
        assertEquals(read, shared.used());
        assertEquals(alone.known().keySet(), alone.used(), "a search alone reads every point it trained");
    }

    /**
     * One point of another outcome inside a coarse cell whose corners agree: a search alone
     * misses it, but a grid's run there splits the cells around it down to one step.
     */
    @Test
    void aTrainedPointThatDisagreesInsideAUniformCellSplitsIt() {
        BiFunction<Integer, Integer, String> island = (i, j) -> i == 6 && j == 6 ? "yes" : "no";
        assertEquals(Bracket.Status.NONE, search(16, 16, island, Set.of()).status(), "missed by the search alone");
        Quadtree q = new Quadtree(16, 16, Map.of(6 * 17 + 6, "yes"), Set.of());
        for (List<Integer> next = q.next(); !next.isEmpty(); next = q.next()) {
            Map<Integer, String> known = new TreeMap<>(q.known());
            next.forEach(k -> known.put(k, island.apply(k / 17, k % 17)));
            q = new Quadtree(16, 16, known, Set.of());
        }
        assertEquals(Bracket.Status.RESOLVED, q.status());
        List<Quadtree.Cell> mixed = q.leaves().stream().filter(c -> c.outcome().equals("mixed")).toList();
        assertEquals(4, mixed.size(), mixed.toString());
        mixed.forEach(c -> assertTrue(c.x0() <= 6 && 6 <= c.x1() && c.y0() <= 6 && 6 <= c.y1()
                && c.x1() - c.x0() == 1 && c.y1() - c.y0() == 1, c.toString()));
        q.inferred().forEach((k, v) -> assertEquals(island.apply(k / 17, k % 17), v, "point " + k));
    }

    @Test
    void oneOutcomeEverywhereEndsAfterTheCoarseGrid() {
        Quadtree q = search(16, 8, (i, j) -> "grokking", Set.of());
        assertEquals(Bracket.Status.NONE, q.status());
        assertEquals(25, q.known().size());
        assertEquals(16, q.leaves().size(), "the 4 × 4 coarse cells, uniform");
    }

    @Test
    void aCellWithAFailedCornerIsLeftUnresolved() {
        Quadtree q = search(4, 4, (i, j) -> i < 2 ? "no" : "yes", Set.of(2 * 5 + 2));
        assertEquals(Bracket.Status.UNRESOLVED, q.status());
        assertTrue(q.leaves().stream().filter(c -> c.outcome().equals("unresolved")).count() == 4,
                "the four cells around the failed point");
    }

    @Test
    void theExpectedRunsOfAStraightBoundary() {
        int runs = Quadtree.expected(32, 32);
        assertEquals(search(32, 32, (i, j) -> i / 32.0 + j / 32.0 < 1 ? "no" : "yes", Set.of()).known().size(), runs);
        assertTrue(runs > 25 && runs < 33 * 33 / 4, runs + " of 1,089");
    }
}
