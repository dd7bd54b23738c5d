package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

class BracketTest {

    /** A search on 0..last run to its end against {@code outcome}, with {@code failed} points failing. */
    static Bracket search(int last, int k, IntPredicate outcome, Set<Integer> failed) {
        Bracket b = new Bracket(last, Map.of(), Set.of());
        for (List<Integer> next = b.next(k); !next.isEmpty(); next = b.next(k)) {
            Map<Integer, Boolean> known = new TreeMap<>(b.known());
            Set<Integer> failing = new java.util.TreeSet<>(b.failed());
            for (int i : next) {
                if (failed.contains(i)) {
                    failing.add(i);
                } else {
                    known.put(i, outcome.test(i));
                }
            }
            b = new Bracket(last, known, failing);
        }
        return b;
    }

    @Test
    void aMonotoneBoundaryIsFoundOneStepWideWhereverItIs() {
        for (int k : List.of(1, 2, 3, 7)) {
            for (int boundary = 1; boundary <= 32; boundary++) {
                int at = boundary;
                Bracket b = search(32, k, i -> i >= at, Set.of());
                assertEquals(Bracket.Status.RESOLVED, b.status(), "k " + k + ", boundary " + at);
                assertEquals(List.of(new Bracket.Flip(at - 1, at, false)), b.flips(), "k " + k + ", boundary " + at);
                assertTrue(b.known().size() < 33, "fewer points than the grid: " + b.known().size());
            }
        }
    }

    @Test
    void bisectionTrainsBothEndsAndTheMiddleThenHalvesTheFlip() {
        Bracket b = new Bracket(32, Map.of(), Set.of());
        assertEquals(List.of(0, 16, 32), b.next(1));
        assertEquals(List.of(0, 8, 16, 24, 32), b.next(3));
        b = new Bracket(32, Map.of(0, false, 16, true, 32, true), Set.of());
        assertEquals(List.of(8), b.next(1));
        assertEquals(List.of(4, 8, 12), b.next(3));
        // a boundary at 5 takes 0, 16, 32, then 8, 4, 6, 5: seven runs in five rounds, against 33 points
        assertEquals(Map.of(0, false, 4, false, 5, true, 6, true, 8, true, 16, true, 32, true),
                search(32, 1, i -> i >= 5, Set.of()).known());
    }

    @Test
    void theSameOutcomeEverywhereEndsAfterTheFirstRound() {
        Bracket b = search(32, 1, i -> true, Set.of());
        assertEquals(Bracket.Status.NONE, b.status());
        assertEquals(Set.of(0, 16, 32), b.known().keySet());
    }

    @Test
    void aNonMonotoneOutcomeIsReportedAndEachFlipRefined() {
        Bracket b = search(32, 1, i -> i >= 10 && i < 20, Set.of());
        assertEquals(Bracket.Status.NOT_MONOTONE, b.status());
        assertEquals(List.of(new Bracket.Flip(9, 10, false), new Bracket.Flip(19, 20, true)), b.flips());
    }

    @Test
    void failedRunsAreSteppedAroundOrLeaveTheFlipUnresolved() {
        Bracket around = search(32, 1, i -> i >= 5, Set.of(8));
        assertEquals(Bracket.Status.RESOLVED, around.status());
        assertEquals(List.of(new Bracket.Flip(4, 5, false)), around.flips());
        assertTrue(around.failed().contains(8));
        Bracket stuck = search(4, 1, i -> i >= 2, Set.of(1, 2, 3));
        assertEquals(Bracket.Status.UNRESOLVED, stuck.status());
        assertEquals(List.of(new Bracket.Flip(0, 4, false)), stuck.flips());
        assertEquals(Bracket.Status.UNRESOLVED, search(4, 1, i -> true, Set.of(0)).status(), "an end failed");
    }

    /**
     * A hinted search whose two points agree goes to the one end beyond them: no boundary when that
     * end agrees too, unresolved when its run failed, whatever is known at the other end.
     */
    @Test
    void aHintedSearchIsDoneOnlyWhenTheEndItWentToIsKnown() {
        Bracket.Flip hint = new Bracket.Flip(0, 1, false); // the siblings: no at 0, yes from 1 on
        Bracket agreeing = new Bracket(32, Map.of(0, false, 1, false), Set.of(), hint);
        assertEquals(List.of(32), agreeing.next(1), "both say no: the boundary lies above them");
        assertEquals(Bracket.Status.NONE, new Bracket(32, Map.of(0, false, 1, false, 32, false), Set.of(), hint).status());
        assertEquals(Bracket.Status.UNRESOLVED, new Bracket(32, Map.of(0, false, 1, false), Set.of(32), hint).status(),
                "the end it went to failed: 0, the end it knows, says nothing beyond 1");
        Bracket.Flip top = new Bracket.Flip(31, 32, false);
        assertEquals(List.of(0), new Bracket(32, Map.of(31, true, 32, true), Set.of(), top).next(1));
        assertEquals(Bracket.Status.UNRESOLVED, new Bracket(32, Map.of(31, true, 32, true), Set.of(0), top).status());
        assertEquals(Bracket.Status.UNRESOLVED, new Bracket(32, Map.of(), Set.of(31, 32), top).status(), "both points failed");
    }

    /**
     * Sharing never costs more than one run over bisection from the ends, wherever the boundary
     * lies (or none) and wherever the siblings' hint points, however wide (a sibling's boundary, or
     * the flip of one still open), on 33 and on 9 points; a hint one step wide on the boundary costs
     * the two runs beside it and no more.
     */
    @Test
    void aHintCostsAtMostOneRunOverBisectionWhereverItPoints() {
        for (int last : List.of(32, 8)) {
            for (int boundary = 0; boundary <= last + 1; boundary++) { // yes from here on; 0 and last + 1: none in range
                for (int lower = 0; lower < last; lower++) {
                    for (int upper = lower + 1; upper <= last; upper++) {
                        hinted(last, boundary, new Bracket.Flip(lower, upper, false));
                    }
                }
            }
        }
    }

    /** A hinted search against the outcome "yes from {@code at} on", checked against bisection from the ends. */
    private static void hinted(int last, int at, Bracket.Flip hint) {
        int alone = Bracket.runs(last, 1, at);
        Bracket b = new Bracket(last, Map.of(), Set.of(), hint);
        for (List<Integer> next = b.next(1); !next.isEmpty(); next = b.next(1)) {
            Map<Integer, Boolean> known = new TreeMap<>(b.known());
            next.forEach(i -> known.put(i, i >= at));
            b = new Bracket(last, known, Set.of(), hint);
        }
        String where = "boundary " + at + " of " + last + ", hint " + hint.lower() + "-" + hint.upper();
        assertTrue(b.known().size() <= alone + 1, where + ": " + b.known().size() + " runs against " + alone);
        if (hint.lower() == at - 1 && hint.upper() == at) {
            assertEquals(2, b.known().size(), where);
        }
        if (at > 0 && at <= last) {
            assertEquals(List.of(new Bracket.Flip(at - 1, at, false)), b.flips(), where);
        } else {
            assertEquals(Bracket.Status.NONE, b.status(), where);
        }
    }

    @Test
    void theExpectedRunsOfAMonotoneSearch() {
        assertArrayEquals(new double[] {2, 1}, Bracket.expected(1, 1));
        assertArrayEquals(new double[] {3, 1}, Bracket.expected(2, 1));
        // 0..32 by bisection: 3 runs without a boundary (2 of 34 cases), 7 with one (32 cases), 5 rounds
        assertArrayEquals(new double[] {(2 * 3 + 32 * 7) / 34.0, 5}, Bracket.expected(32, 1), 1e-12);
    }
}
