package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Wall time placed task by task as Spark places them; an estimate's counts; the status line's ETA. */
class EstimateTest {
    @TempDir Path dir;

    @Test
    void tasksStartInOrderOnTheFirstSlotToFreeUp() {
        // slots: 5 | 4, then 3 on the second (ends 7), 3 on the first (ends 8), 2 on the second (ends 9)
        assertEquals(9.0, Estimate.wall(List.of(5.0, 4.0, 3.0, 3.0, 2.0), 2), 1e-12);
        assertEquals(17.0, Estimate.wall(List.of(5.0, 4.0, 3.0, 3.0, 2.0), 1), 1e-12);
        assertEquals(5.0, Estimate.wall(List.of(5.0, 4.0, 3.0), 8), 1e-12);
    }

    @Test
    void anEstimateCountsTasksShapesAndSaysWhenItIsAnUpperBound() {
        String yaml = "name: t\noutput: " + dir.resolve("out") + "\ngrid:\n  seed: [0, 1, 2]\n"
                + "  train_fraction: [0.3, 0.6]\ntrainer:\n  modulus: 11\n  steps: 200\n  d_mlp: 32\n";
        SweepSpec s = SweepSpec.parse(yaml);
        List<groksweep.config.TrainConfig> runs = Grid.expand(s);
        Estimate e = Estimate.of(s, runs, 2, 1, Duration.ofMillis(200));
        assertEquals(6, e.tasks());
        assertEquals(2, e.shapes(), "two train fractions");
        assertTrue(e.shapesTimed() >= 1 && e.shapesTimed() <= 2, "as many as the budget allows: " + e);
        assertFalse(e.upperBound());
        assertTrue(e.coreHours() > 0 && e.wallSeconds() >= e.coreHours() * 3600 / 2 - 1e-9
                && e.wallSeconds() <= e.coreHours() * 3600 + 1e-9, e.toString());
        assertTrue(e.line().startsWith("estimate: "), e.line());
        assertTrue(e.line().contains(" on 2 task slots (6 tasks); " + e.shapesTimed() + " of 2 run shapes timed on this machine in "),
                e.line());

        SweepSpec stops = SweepSpec.parse(yaml + "  stop_after_grok: 10\n");
        Estimate upper = Estimate.of(stops, Grid.expand(stops), 0, 1, Duration.ofMillis(200));
        assertTrue(upper.upperBound());
        assertTrue(Double.isNaN(upper.wallSeconds()));
        assertTrue(upper.line().contains("wall time depends on the cluster's free cores"), upper.line());
        assertTrue(upper.line().contains("an upper bound: runs that stop after grokking are counted at their full steps"),
                upper.line());
    }

    @Test
    void theEtaCountsDownFromTheEstimateUntilARunIsDone() {
        Progress p = new Progress("s", 10, 600);
        assertTrue(p.line(0, 0, 2, 60).endsWith("elapsed 1m00s, ETA ~9m00s"), p.line(0, 0, 2, 60));
        assertTrue(p.line(0, 0, 2, 700).endsWith("ETA ?"), "past the estimate: " + p.line(0, 0, 2, 700));
        assertTrue(p.line(5, 0, 2, 100).endsWith("ETA 1m40s"), "then from the runs done: " + p.line(5, 0, 2, 100));
        assertTrue(new Progress("s", 10, Double.NaN).line(0, 0, 2, 60).endsWith("ETA ?"));
        assertTrue(p.line(10, 0, 1, 100).startsWith("[sweep s] 10/11 done, 1 running"),
                "a search trains more than it expected: " + p.line(10, 0, 1, 100));
        assertTrue(p.line(10, 0, 0, 100).endsWith("ETA 0s"), p.line(10, 0, 0, 100));
    }
}
