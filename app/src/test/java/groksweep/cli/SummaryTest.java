package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.results.RunStatus;
import groksweep.sweep.SweepRunner;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The end-of-sweep table stays short at any size, and shows the runs not ok first. */
class SummaryTest {
    @Test
    void aLargeSweepShowsItsRunsNotOkFirstAndCountsTheRest() {
        List<SweepRunner.RunReport> trained = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            trained.add(new SweepRunner.RunReport(String.format("%016x", i), i == 700 ? RunStatus.FAILED : RunStatus.OK,
                    1, null, 0.5, 0.1));
        }
        SweepRunner.Outcome o = new SweepRunner.Outcome(new SweepRunner.Plan(List.of(), List.of(), null), trained, null, List.of(), 0, 12, 1);
        List<String> lines = Summary.table(o, "out").strip().lines().toList();
        assertTrue(lines.get(1).startsWith(String.format("%016x", 700) + " failed"), lines.get(1));
        assertEquals(1 + Summary.MAX_ROWS + 1 + 2, lines.size(), "header, rows, the rest counted, blank and the last line");
        assertEquals("... 960 more; every run: groksweep sql out \"SELECT * FROM runs\"", lines.get(1 + Summary.MAX_ROWS));
        assertTrue(lines.get(lines.size() - 1).startsWith("sweep done in 12s: 1000 runs trained {failed=1, ok=999}"),
                lines.get(lines.size() - 1));
    }

    /** A search's boundaries: one line each, its bracket and which side has the outcome; none without one. */
    @Test
    void theBoundariesAreOneLineEach() {
        groksweep.results.Row resolved = groksweep.results.Tables.BOUNDARIES.row().set("search", "seed=0").set("status", "resolved")
                .set("axis", "train_fraction").set("outcome", "grokked").set("lower", 0.425).set("upper", 0.45)
                .set("outcome_above", true).set("runs", 7).set("failed", 0);
        groksweep.results.Row none = groksweep.results.Tables.BOUNDARIES.row().set("search", "seed=1").set("status", "none")
                .set("axis", "train_fraction").set("outcome", "grokked").set("runs", 3).set("failed", 1);
        List<String> lines = Summary.boundaries(List.of(resolved, none)).lines().toList();
        assertEquals(3, lines.size(), "a header and a line per boundary");
        assertTrue(lines.get(1).matches("seed=0 +resolved +train_fraction 0\\.425\\.\\.0\\.45 \\(grokked above\\) +7 +0"),
                lines.get(1));
        assertTrue(lines.get(2).matches("seed=1 +none +train_fraction - +3 +1"), lines.get(2));
    }

    /** A two-axis search in one line: its status, runs, and leaf cells counted by outcome. */
    @Test
    void eachTwoAxisSearchIsOneLine() {
        List<groksweep.results.Row> rows = new ArrayList<>();
        for (String cell : List.of("grokking", "grokking", "mixed", "memorisation")) {
            rows.add(groksweep.results.Tables.CELLS.row().set("search", "seed=0").set("status", "resolved").set("cell", cell)
                    .set("runs", 41).set("failed", 0));
        }
        List<String> lines = Summary.cells(rows).lines().toList();
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).matches("seed=0 +resolved +41 +0  \\{grokking=2, memorisation=1, mixed=1}"), lines.get(1));
    }
}
