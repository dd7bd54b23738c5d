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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
            Trained[] out = new Trained[1];
            new Trainer(List.of(Trainer.Member.fresh(c, m, new Trainer.Listener() {})), m)
                    .train(() -> false, (member, result, model) -> out[0] = new Trained(result, values(model)));
            return out[0];
        }
    }

    static Map<String, Trained> packed(List<TrainConfig> configs) {
        Torch.useThreads(1);
        Map<String, Trained> out = new HashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            List<Trainer.Member> members = new ArrayList<>();
            for (TrainConfig c : configs) {
                members.add(Trainer.Member.fresh(c, m, new Trainer.Listener() {}));
            }
            new Trainer(members, m).train(() -> false, (member, result, model) -> {
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

    /**
     * Accuracies agree exactly at float64's tolerances. At float32's, a pair whose two largest
     * logits nearly tie is counted right or wrong by the last bits, so early in training, when
     * logits are close, a pair or two may differ (on an AMD EPYC, 2 of 264 at step 14 below).
     */
    static double accuracyTolerance(double tolerance) {
        return tolerance >= 1e-6 ? 0.01 : 0.0;
    }

    /** For the measures that amplify last-bit differences (update norm, cos(grad, w), λ̂): 1,000 times the tolerance, at most 0.1. */
    static double loose(double tolerance) {
        return Math.min(1e3 * tolerance, 0.1);
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
            assertEquals(x.trainAcc(), y.trainAcc(), accuracyTolerance(tolerance), at + ": train accuracy");
            assertEquals(x.testAcc(), y.testAcc(), accuracyTolerance(tolerance), at + ": test accuracy");
            assertEquals(x.lr(), y.lr(), 0.0, at + ": lr");
            assertRelative(x.weightSqSum(), y.weightSqSum(), tolerance, at + ": weights");
            assertEquals(x.updateNorm() == null, y.updateNorm() == null, at + ": update norm");
            if (x.updateNorm() != null) {
                assertRelative(x.updateNorm(), y.updateNorm(), loose(tolerance), at + ": update norm");
            }
            assertEquals(x.gradWeightCos(), y.gradWeightCos(), loose(tolerance), at + ": cos(grad, w)");
            assertEquals(x.epoch(), y.epoch(), at + ": epoch");
            assertEquals(x.noisy(), y.noisy(), at + ": accuracies by kind of train pair");
            assertEquals(x.llc() == null, y.llc() == null, at + ": llc");
            if (x.llc() != null && Double.isFinite(x.llc().mean())) {
                assertRelative(x.llc().mean(), y.llc().mean(), loose(tolerance), at + ": llc");
            } else if (x.llc() != null) {
                assertEquals(x.llc().mean(), y.llc().mean(), at + ": llc, its chains diverged alone and packed");
            }
            assertEquals(x.measures() == null, y.measures() == null, at + ": progress measures");
            if (x.measures() != null) {
                assertRelative(x.measures().restrictedLoss(), y.measures().restrictedLoss(), loose(tolerance), at + ": restricted loss");
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

    /**
     * In float32 a pack agrees with its runs alone to 1e-8 for most steps, but Adam divides each
     * gradient entry by its own running magnitude, so where an entry is near zero a last-bit
     * difference can flip the sign of a full-size update: seed 1 here jumps from 1e-9 to 1e-6 at
     * step 17 and reaches 1.2e-5 by step 19 (the engine before packs had one run per kernel shape
     * drifted 1e-8 on these three seeds; which seed jumps depends on the last bits, and so on the
     * CPU: on an AMD EPYC seed 0's test loss drifts 2.8e-4 by step 20). Exactness is the float64
     * tests' claim; this one bounds what float32 packs give in practice: losses and weights to
     * 1e-3, accuracies to 1% of the pairs. A pack that mixed up its runs would miss by far more.
     */
    @Test
    void packedRunsInFloat32MatchRunsAloneTo1e3OverTwentySteps() {
        TrainConfig f32 = BASE.with(Map.of("steps", 20, "eval_every", 1, "analysis_every", 10));
        List<TrainConfig> runs = List.of(f32, f32.with(Map.of("seed", 1, "weight_decay", 0.5)),
                f32.with(Map.of("seed", 2, "lr", 2e-3)));
        Map<String, Trained> packed = packed(runs);
        List<Trained> alone = runs.stream().map(PackTest::alone).toList();
        for (int i = 0; i < runs.size(); i++) {
            assertSame(alone.get(i), packed.get(runs.get(i).runId()), 1e-3, runs.get(i).runId());
        }
        // The bound still tells the runs apart: a pack that handed each run another's results fails it.
        for (int i = 0; i < runs.size(); i++) {
            Trained other = packed.get(runs.get((i + 1) % runs.size()).runId());
            int run = i;
            assertThrows(org.opentest4j.AssertionFailedError.class,
                    () -> assertSame(alone.get(run), other, 1e-3, "mixed up"), runs.get(i).runId() + " given another's results");
        }
    }

    /** A small model, so that every option's pack trains in a second. */
    static final TrainConfig SMALL = TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.5,
            "d_model", 32, "n_heads", 4, "d_mlp", 64, "steps", 60, "eval_every", 10, "analysis_every", 30,
            "dtype", "float64"));

    /**
     * Every option packs: each case is runs that share its shape options and differ in every
     * per-run value the option has (seeds, lr, weight decay, Grokfast α and λ, the constrained
     * norm, momentum, init scale, steps, early stop); each run's records and final parameters
     * equal the run alone to 1e-9 in float64. The float32 loss needs a float32 model: that case
     * is held to the float32 bound.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("everyOption")
    void everyOptionPacksAndMatchesItsRunsAlone(String name, List<TrainConfig> runs, double tolerance) {
        assertEquals(1, runs.stream().map(TrainConfig::packKey).distinct().count(), name + ": one pack");
        Map<String, Trained> packed = packed(runs);
        for (TrainConfig c : runs) {
            Trained alone = alone(c);
            Trained together = packed.get(c.runId());
            assertSame(alone, together, tolerance, name + " " + c.runId());
            for (int i = 0; i < alone.params().size(); i++) {
                assertArrayEquals(alone.params().get(i), together.params().get(i), tolerance * 100 * max(alone.params().get(i)),
                        name + " " + c.runId() + ": final " + Model.names(c).get(i));
            }
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> everyOption() {
        return java.util.stream.Stream.of(
                option("grokfast ema", SMALL.with("grokfast", "ema"), Map.of("seed", 1, "grokfast_alpha", 0.9,
                        "grokfast_lambda", 5.0), Map.of("seed", 2, "lr", 3e-3, "grokfast_lambda", 0.5)),
                option("grokfast ma", SMALL.with(Map.of("grokfast", "ma", "grokfast_window", 7)),
                        Map.of("seed", 1, "grokfast_lambda", 4.0), Map.of("seed", 2, "weight_decay", 0.2, "steps", 40)),
                option("orthogonal_grad", SMALL.with("orthogonal_grad", true), Map.of("seed", 1, "weight_decay", 0.5),
                        Map.of("seed", 2, "lr", 2e-3)),
                option("fixed_weight_norm", SMALL.with(Map.of("fixed_weight_norm", 0.8, "init_scale", 2.0, "weight_decay", 0.0)),
                        Map.of("seed", 1, "fixed_weight_norm", 1.2), Map.of("seed", 2, "fixed_weight_norm", 0.0, "init_scale", 1.0)),
                option("sgd", SMALL.with(Map.of("optimizer", "sgd", "lr", 0.05)), Map.of("seed", 1, "momentum", 0.5),
                        Map.of("seed", 2, "lr", 0.1, "momentum", 0.0, "warmup_steps", 0)),
                option("adam", SMALL.with("optimizer", "adam"), Map.of("seed", 1, "beta1", 0.8, "eps", 1e-6),
                        Map.of("seed", 2, "weight_decay", 0.1)),
                option("stablemax", SMALL.with("loss", "stablemax"), Map.of("seed", 1), Map.of("seed", 2, "lr", 3e-3)),
                option("mse", SMALL.with("loss", "mse"), Map.of("seed", 1), Map.of("seed", 2, "weight_decay", 0.3)),
                option("muon", SMALL.with("optimizer", "muon"), Map.of("seed", 1, "muon_lr", 0.01, "muon_momentum", 0.9),
                        Map.of("seed", 2, "lr", 3e-3, "weight_decay", 0.3)),
                option("muon, 2 blocks, no nesterov", SMALL.with(Map.of("optimizer", "muon", "n_layers", 2,
                        "muon_nesterov", false, "muon_ns_steps", 3, "steps", 30)), Map.of("seed", 1), Map.of("seed", 2)),
                option("batch_size", SMALL.with("batch_size", 50), Map.of("seed", 1, "label_noise", 0.3),
                        Map.of("seed", 2, "lr", 3e-3, "data_seed", 7)),
                option("mlp concat relu", SMALL.with("model", "mlp"), Map.of("seed", 1, "init_scale", 0.5),
                        Map.of("seed", 2, "stop_after_grok", 0)),
                option("mlp sum quadratic", SMALL.with(Map.of("model", "mlp", "mlp_input", "sum", "activation", "quadratic")),
                        Map.of("seed", 1), Map.of("seed", 2, "weight_decay", 0.3)),
                option("2 blocks", SMALL.with("n_layers", 2), Map.of("seed", 1), Map.of("seed", 2, "lr", 2e-3)),
                option("3 blocks gelu", SMALL.with(Map.of("n_layers", 3, "activation", "gelu", "steps", 30)),
                        Map.of("seed", 1), Map.of("seed", 2, "weight_decay", 0.5)),
                option("4 blocks", SMALL.with(Map.of("n_layers", 4, "steps", 20)), Map.of("seed", 1), Map.of("seed", 2)),
                option("attn_coeff", SMALL.with("attn_coeff", 0.3), Map.of("seed", 1), Map.of("seed", 2, "eval_every", 20)),
                option("mul", SMALL.with("operation", "mul"), Map.of("seed", 1), Map.of("seed", 2, "analysis_every", 20)),
                org.junit.jupiter.params.provider.Arguments.of("loss_dtype float32 (float32)", List.of(
                        SMALL.with(Map.of("dtype", "float32", "loss_dtype", "float32", "steps", 20)),
                        SMALL.with(Map.of("dtype", "float32", "loss_dtype", "float32", "steps", 20, "seed", 1))), 1e-4));
    }

    /**
     * Walks every option declared per run ({@link groksweep.config.Option.Packing#PER_RUN}): two runs
     * that differ only in it, in a context where it has an effect (SGD for momentum, Grokfast for
     * its α and λ, the LLC measured for its settings, a run that groks for stop_after_grok), differ
     * in what they train alone, and train in one pack each as it does alone, in float64. An option
     * declared per run whose effect the engine applies to the whole pack fails here.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("perRunOptions")
    void everyPerRunOptionIsEachRunsOwnInAPack(String option) {
        TrainConfig base = contextFor(option);
        TrainConfig other = base.with(option, changed(base, option));
        assertTrue(!base.runId().equals(other.runId()), option + " changes the run's identity");
        Map<String, Trained> packed = packed(List.of(base, other));
        Trained first = alone(base);
        Trained second = alone(other);
        assertTrue(!trace(first).equals(trace(second)), option + " changes what the run computes: " + trace(first));
        for (Trained alone : List.of(first, second)) {
            TrainConfig c = alone == first ? base : other;
            assertSame(alone, packed.get(c.runId()), 1e-9, option + " " + c.runId());
            for (int i = 0; i < alone.params().size(); i++) {
                assertArrayEquals(alone.params().get(i), packed.get(c.runId()).params().get(i),
                        1e-7 * max(alone.params().get(i)), option + ": final " + Model.names(c).get(i));
            }
        }
    }

    /** What a run computed, to tell two runs apart: every row's losses, accuracies, norms, LLC and measures, and its end. */
    static String trace(Trained t) {
        StringBuilder out = new StringBuilder(t.result().status() + " at " + t.result().finalStep());
        for (MetricRow r : t.result().metrics()) {
            out.append(String.format(";%d %.12g %.12g %.12g %s %s", r.step(), r.trainLoss(), r.testLoss(), r.weightSqSum(),
                    r.llc() == null ? "-" : String.format("%.12g", r.llc().mean()),
                    r.measures() == null ? "-" : r.measures().restrictedLoss() + java.util.Arrays.toString(r.measures().keyFreqs())));
        }
        return out.toString();
    }

    static java.util.stream.Stream<String> perRunOptions() {
        return TrainConfig.OPTIONS.stream().filter(o -> o.packing() == groksweep.config.Option.Packing.PER_RUN)
                .map(o -> o.name);
    }

    /**
     * A small float64 config of 20 steps in which {@code option} has an effect: the LLC's settings with
     * the LLC measured; stop_after_grok and key_freq_min_neurons on p = 7 with most pairs to train on,
     * which groks within 60 steps at a high learning rate; else the first of plain, SGD, Grokfast EMA and MA, Muon that
     * takes the option.
     */
    private static TrainConfig contextFor(String option) {
        TrainConfig steps = SMALL.with("steps", 20);
        if (option.startsWith("llc_")) { // short chains; the LLC measured, except where llc_every is the option
            TrainConfig cheap = steps.with(Map.of("llc_draws", 10, "llc_chains", 2));
            return option.equals("llc_every") ? cheap : cheap.with("llc_every", 10);
        }
        TrainConfig groks = SMALL.with(Map.of("modulus", 7, "train_fraction", 0.9, "lr", 1e-2, "steps", 60, "eval_every", 5,
                "analysis_every", 0));
        if (option.equals("stop_after_grok")) {
            return groks.with("stop_after_grok", 10);
        }
        if (option.equals("key_freq_min_neurons")) { // a run with key frequencies, measured at its end
            return groks;
        }
        for (TrainConfig c : List.of(steps, steps.with(Map.of("optimizer", "sgd", "lr", 0.05)), steps.with("grokfast", "ema"),
                steps.with("grokfast", "ma"), steps.with("optimizer", "muon"))) {
            try {
                c.with(option, changed(c, option)).validate();
                return c;
            } catch (groksweep.config.ConfigException e) {
                // not this context
            }
        }
        throw new IllegalStateException("no context lets " + option + " change");
    }

    /**
     * Another valid value of {@code option}: numbers halved (or 0.5 from 0), counts one more; llc_every
     * and analysis_every at eval_every (multiples of it, within 20 steps); stop_after_grok 0 (at the onset).
     */
    private static Object changed(TrainConfig c, String option) {
        Object v = c.value(option);
        if (option.equals("llc_every") || option.equals("analysis_every")) {
            return c.evalEvery();
        }
        if (option.equals("stop_after_grok")) {
            return 0;
        }
        if (option.equals("key_freq_min_neurons")) {
            return c.dMlp(); // every neuron clean for one frequency: none is key
        }
        if (v instanceof Double d) {
            return d == 0 ? 0.5 : d / 2;
        }
        if (v instanceof Integer i) {
            return i == -1 ? 5 : i + 1;
        }
        if (v instanceof Long l) {
            return l + 1;
        }
        throw new IllegalStateException(option + " is per run but not a number: " + v);
    }

    private static org.junit.jupiter.params.provider.Arguments option(String name, TrainConfig shared,
            Map<String, Object> second, Map<String, Object> third) {
        return org.junit.jupiter.params.provider.Arguments.of(name, List.of(shared, shared.with(second), shared.with(third)),
                1e-9);
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
        assertEquals(BASE.packKey(), BASE.with(Map.of("seed", 4, "weight_decay", 0.1, "lr", 1e-2, "steps", 9)).packKey());
        assertTrue(!BASE.packKey().equals(BASE.with("train_fraction", 0.4).packKey()), "train set sizes differ");
        assertTrue(!BASE.packKey().equals(BASE.with("dtype", "float64").packKey()));
        assertTrue(!BASE.packKey().equals(BASE.with("n_layers", 2).packKey()), "deeper transformers pack with their own depth");
        assertTrue(!BASE.packKey().equals(BASE.with("grokfast", "ema").packKey()), "a filter packs with its own kind");
        try (NDManager m = NDManager.newBaseManager()) {
            TrainConfig other = BASE.with("modulus", 29);
            List<Trainer.Member> members = List.of(Trainer.Member.fresh(BASE, m, new Trainer.Listener() {}),
                    Trainer.Member.fresh(other, m, new Trainer.Listener() {}));
            assertThrows(IllegalArgumentException.class, () -> new Trainer(members, m));
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
