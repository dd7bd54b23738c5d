package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A run's time from its step costs, counted by hand; a cost carried from one shape to another; a real timing. */
class StepCostTest {
    @Test
    void aRunsSecondsCountItsUpdatesEvaluationsAndAnalyses() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 7, "steps", 1000, "eval_every", 10, "analysis_every", 100));
        // 1,000 updates of 2 ms, evaluations at 0, 10, ..., 1000 (101) of 1 ms, analyses at 0, 100, ..., 1000 (11) of 5 ms
        assertEquals((1000 * 2.0 + 101 * 1.0 + 11 * 5.0) / 1000, new StepCost(2, 1, 5).seconds(c), 1e-12);
        TrainConfig endOnly = c.with("analysis_every", 0); // the measures at the end only
        assertEquals((1000 * 2.0 + 101 * 1.0 + 1 * 5.0) / 1000, new StepCost(2, 1, 5).seconds(endOnly), 1e-12);
    }

    @Test
    void aCostCarriesOverByTrainHeldOutAndAllPairs() {
        TrainConfig timed = TrainConfig.defaults().with(Map.of("modulus", 11, "train_fraction", 0.5)); // 60 of 121 pairs
        TrainConfig other = TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.3)); // 158 of 529
        StepCost c = new StepCost(6, 2, 10).scaled(timed, other);
        assertEquals(60, timed.trainPairs());
        assertEquals(158, other.trainPairs());
        assertEquals(6.0 * 158 / 60, c.updateMs(), 1e-12);
        assertEquals(2.0 * (529 - 158) / (121 - 60), c.evalMs(), 1e-12);
        assertEquals(10.0 * 529 / 121, c.analysisMs(), 1e-12);
    }

    /**
     * The clock's arithmetic on a planted clock: updates of 2 ms, evaluations 1 ms on top of them
     * (every 3rd step), progress measures 5 ms on top of an evaluation (every 6th); the first steps
     * are warm-up, a 100 ms budget stops it once each part has shown twice.
     */
    @Test
    void eachPartIsTimedOnTopOfTheOneBelowAndTheBudgetEndsIt() {
        long[] now = {0};
        StepCost.Steps steps = new StepCost.Steps(Duration.ofMillis(100), () -> now[0]);
        int step = 1;
        for (; !steps.over.get(); step++) {
            steps.afterUpdate(step, null); // step `step`'s work follows, until the next call
            now[0] += 2_000_000L + (step % 3 == 0 ? 1_000_000L : 0) + (step % 6 == 0 ? 5_000_000L : 0);
        }
        assertEquals(new StepCost(2, 1, 5), steps.cost());
        // 100 ms at 2 ms, 3 ms and 8 ms steps (an average of 3.5 ms a step) from step 3: about 32 steps
        assertTrue(step > 30 && step < 40, step + " steps");
    }

    /** A real timing: every part costs something, and a run's seconds follow from them. */
    @Test
    void aShortTimingSeesEveryPart() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 7, "d_mlp", 32, "steps", 10));
        StepCost cost = StepCost.measure(List.of(c, c.with("seed", 1)), "cpu", 1, 2, Duration.ofMillis(100));
        assertTrue(cost.updateMs() > 0 && cost.analysisMs() > 0, "an update and the measures take time: " + cost);
        assertEquals((10 * cost.updateMs() + 2 * cost.evalMs() + 1 * cost.analysisMs()) / 1000,
                cost.seconds(c.with(Map.of("eval_every", 10, "analysis_every", 0))), 1e-12);
    }
}
