package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import groksweep.config.TrainConfig;
import groksweep.model.Model;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A packed run's records equal the same run trained alone. */
class PackTest {
    static final TrainConfig BASE = TrainConfig.defaults().with(Map.of(
            "modulus", 23, "train_fraction", 0.5, "steps", 300, "eval_every", 10, "analysis_every", 100));

    /** What a run left behind: its result and final parameters (float64, in names order). */
    record Trained(Trainer.Result result, List<double[]> params) {}

    static Trained alone(TrainConfig c) {
        Torch.useThreads(1);
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer trainer = new Trainer(c, m);
            Trainer.Result r = trainer.train(new Trainer.Listener() {}, () -> false, List.of());
            return new Trained(r, values(trainer.model()));
        }
    }

    static Map<String, Trained> packed(List<TrainConfig> configs) {
        Torch.useThreads(1);
        Map<String, Trained> out = new HashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            List<Pack.Member> members = new ArrayList<>();
            for (TrainConfig c : configs) {
                members.add(new Pack.Member(c, Split.of(c), Model.initialise(c, m), null, List.of(),
                        new Trainer.Listener() {}));
            }
            new Pack(members, m).train(() -> false, (member, result, model) -> {
                assertNull(out.put(member.config().runId(), new Trained(result, values(model))), "handed over once");
            });
        }
        return out;
    }

    static List<double[]> values(Model model) {
        List<double[]> out = new ArrayList<>();
        for (NDArray w : model.params()) {
            out.add(w.toType(DataType.FLOAT64, false).toDoubleArray());
        }
        return out;
    }

    static void assertSame(Trained alone, Trained packed, double tolerance, String what) {
        Trainer.Result a = alone.result(), b = packed.result();
        assertEquals(a.status(), b.status(), what);
        assertEquals(a.stopReason(), b.stopReason(), what);
        assertEquals(a.finalStep(), b.finalStep(), what);
        assertEquals(a.message(), b.message(), what);
        assertEquals(a.metrics().size(), b.metrics().size(), what + ": rows");
        for (int i = 0; i < a.metrics().size(); i++) {
            MetricRow x = a.metrics().get(i), y = b.metrics().get(i);
            String at = what + " at step " + x.step();
            assertEquals(x.step(), y.step(), at);
            assertRelative(x.trainLoss(), y.trainLoss(), tolerance, at + ": train loss");
            assertRelative(x.testLoss(), y.testLoss(), tolerance, at + ": test loss");
            assertEquals(x.trainAcc(), y.trainAcc(), 0.0, at + ": train accuracy");
            assertEquals(x.testAcc(), y.testAcc(), 0.0, at + ": test accuracy");
            assertEquals(x.lr(), y.lr(), 0.0, at + ": lr");
            assertRelative(x.weightSqSum(), y.weightSqSum(), tolerance, at + ": weights");
            assertEquals(x.updateNorm() == null, y.updateNorm() == null, at + ": update norm");
            if (x.updateNorm() != null) {
                assertRelative(x.updateNorm(), y.updateNorm(), 1e3 * tolerance, at + ": update norm");
            }
            assertEquals(x.gradWeightCos(), y.gradWeightCos(), 1e3 * tolerance, at + ": cos(grad, w)");
            assertEquals(x.measures() == null, y.measures() == null, at + ": progress measures");
            if (x.measures() != null) {
                assertRelative(x.measures().restrictedLoss(), y.measures().restrictedLoss(), 1e3 * tolerance, at);
                assertArrayEquals(x.measures().keyFreqs(), y.measures().keyFreqs(), at);
            }
        }
    }

    static void assertRelative(double expected, double actual, double tolerance, String what) {
        assertEquals(expected, actual, tolerance * Math.max(1e-30, Math.abs(expected)), what);
    }

    /** Seeds, learning rates, weight decays, betas, eps, warm-up and steps per run; one diverges. */
    @Test
    void packedRunsInFloat64MatchRunsAloneTo1e12OverThreeHundredSteps() {
        TrainConfig f64 = BASE.with("dtype", "float64");
        List<TrainConfig> runs = List.of(
                f64,
                f64.with(Map.of("seed", 1, "weight_decay", 0.3, "lr", 3e-3)),
                f64.with(Map.of("seed", 2, "steps", 150, "beta2", 0.99, "eps", 1e-7, "warmup_steps", 0)),
                f64.with(Map.of("seed", 3, "lr", 1e300))); // overflows and diverges within a few steps
        Map<String, Trained> packed = packed(runs);
        assertEquals(runs.size(), packed.size());
        for (TrainConfig c : runs) {
            Trained alone = alone(c);
            Trained together = packed.get(c.runId());
            assertSame(alone, together, 1e-12, c.runId());
            for (int i = 0; c.lr() < 1 && i < alone.params().size(); i++) { // a diverged run's weights are not finite
                assertArrayEquals(alone.params().get(i), together.params().get(i),
                        1e-10 * max(alone.params().get(i)), c.runId() + ": final " + Model.names(c).get(i));
            }
        }
        Trained diverged = packed.get(runs.get(3).runId());
        assertEquals(RunStatus.DIVERGED, diverged.result().status(), "the overflowing run diverges");
        assertTrue(diverged.result().finalStep() < 150, "and leaves early: " + diverged.result().finalStep());
        assertEquals(150, packed.get(runs.get(2).runId()).result().finalStep());
        assertEquals(StopReason.STEPS, packed.get(runs.get(0).runId()).result().stopReason());
        assertNotNull(packed.get(runs.get(0).runId()).result().last().measures(), "the last row has the measures");
    }

    @Test
    void packedRunsInFloat32MatchRunsAloneTo1e5OverTwentySteps() {
        TrainConfig f32 = BASE.with(Map.of("steps", 20, "eval_every", 1, "analysis_every", 10));
        List<TrainConfig> runs = List.of(f32, f32.with(Map.of("seed", 1, "weight_decay", 0.5)),
                f32.with(Map.of("seed", 2, "lr", 2e-3)));
        Map<String, Trained> packed = packed(runs);
        for (TrainConfig c : runs) {
            assertSame(alone(c), packed.get(c.runId()), 1e-5, c.runId());
        }
    }

    /** Two packs at once in one JVM (Spark local[2]), each on a thread whose grad mode is on, as alone. */
    @Test
    void twoPacksAtOnceInOneJvmMatchPacksTrainedOneAfterTheOther() throws Exception {
        TrainConfig c = BASE.with(Map.of("steps", 40, "dtype", "float64"));
        List<TrainConfig> first = List.of(c, c.with("seed", 1));
        List<TrainConfig> second = List.of(c.with("seed", 2), c.with("seed", 3));
        Map<String, Trained> expected = new HashMap<>(packed(first));
        expected.putAll(packed(second));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(() -> packed(first));
            var b = pool.submit(() -> packed(second));
            Map<String, Trained> actual = new HashMap<>(a.get());
            actual.putAll(b.get());
            for (String id : expected.keySet()) {
                assertSame(expected.get(id), actual.get(id), 0.0, id);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void runsPackOnlyWhenTheyShareTheirShape() {
        assertEquals(Pack.key(BASE), Pack.key(BASE.with(Map.of("seed", 4, "weight_decay", 0.1, "lr", 1e-2, "steps", 9))));
        assertTrue(!Pack.key(BASE).equals(Pack.key(BASE.with("train_fraction", 0.4))), "train set sizes differ");
        assertTrue(!Pack.key(BASE).equals(Pack.key(BASE.with("dtype", "float64"))));
        assertNull(Pack.key(BASE.with("n_layers", 2)), "deeper transformers train alone");
        assertNull(Pack.key(BASE.with("grokfast", "ema")));
        try (NDManager m = NDManager.newBaseManager()) {
            TrainConfig other = BASE.with("modulus", 29);
            List<Pack.Member> members = List.of(
                    new Pack.Member(BASE, Split.of(BASE), Model.initialise(BASE, m), null, List.of(), new Trainer.Listener() {}),
                    new Pack.Member(other, Split.of(other), Model.initialise(other, m), null, List.of(), new Trainer.Listener() {}));
            assertThrows(IllegalArgumentException.class, () -> new Pack(members, m));
        }
    }

    private static double max(double[] values) {
        double out = 0;
        for (double v : values) {
            out = Math.max(out, Math.abs(v));
        }
        return Math.max(out, 1e-300);
    }
}
