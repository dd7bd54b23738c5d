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

    @Test
    void aShortTimingSeesEveryPart() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 7, "d_mlp", 32, "steps", 10));
        StepCost cost = StepCost.measure(List.of(c, c.with("seed", 1)), "cpu", 1, 2, Duration.ofMillis(100));
        assertTrue(cost.updateMs() > 0 && cost.evalMs() >= 0 && cost.analysisMs() >= 0, cost.toString());
        assertTrue(cost.seconds(c) > 0, cost.toString());
    }
}
