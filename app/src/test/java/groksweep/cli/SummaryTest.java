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
        SweepRunner.Outcome o = new SweepRunner.Outcome(new SweepRunner.Plan(List.of(), List.of(), null), trained, 12);
        List<String> lines = Summary.table(o, "out").strip().lines().toList();
        assertTrue(lines.get(1).startsWith(String.format("%016x", 700) + " failed"), lines.get(1));
        assertEquals(1 + Summary.MAX_ROWS + 1 + 2, lines.size(), "header, rows, the rest counted, blank and the last line");
        assertEquals("... 960 more; every run: groksweep sql out \"SELECT * FROM runs\"", lines.get(1 + Summary.MAX_ROWS));
        assertTrue(lines.get(lines.size() - 1).startsWith("sweep done in 12s: 1000 runs trained {failed=1, ok=999}"),
                lines.get(lines.size() - 1));
    }
}
