package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.model.GradMode;
import groksweep.results.RunStatus;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

class TrainerTest {
    static final TrainConfig SMALL = TrainConfig.defaults().with(Map.of(
            "modulus", 23, "train_fraction", 0.5, "steps", 120, "eval_every", 20, "analysis_every", 60));

    static Trainer.Result train(TrainConfig c) {
        Torch.useThreads(1);
        try (NDManager m = NDManager.newBaseManager()) {
            return Trainer.alone(Trainer.Member.fresh(c, m, new Trainer.Listener() {}), m, () -> false);
        }
    }

    @Test
    void sameRunTwiceWithOneThreadGivesIdenticalMetrics() {
        Trainer.Result first = train(SMALL);
        Trainer.Result second = train(SMALL);
        assertEquals(7, first.metrics().size(), "steps 0, 20, ..., 120");
        for (int i = 0; i < first.metrics().size(); i++) {
            MetricRow a = first.metrics().get(i);
            MetricRow b = second.metrics().get(i);
            assertEquals(a.trainLoss(), b.trainLoss(), 0.0, "step " + a.step());
            assertEquals(a.testLoss(), b.testLoss(), 0.0, "step " + a.step());
            assertEquals(a.weightSqSum(), b.weightSqSum(), 0.0, "step " + a.step());
        }
        assertTrue(first.last().trainLoss() < first.metrics().get(0).trainLoss() / 2, "it learns");
    }

    /** Two runs at once in one JVM (Spark local[2]) train exactly as they do alone. */
    @Test
    void twoConcurrentRunsInOneJvmMatchSequentialRuns() throws Exception {
        TrainConfig other = SMALL.with(Map.of("seed", 1));
        Trainer.Result aloneA = train(SMALL);
        Trainer.Result aloneB = train(other);
        assertEquals(RunStatus.OK, aloneA.status(), aloneA.message());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Trainer.Result> a = pool.submit(() -> train(SMALL));
            Future<Trainer.Result> b = pool.submit(() -> train(other));
            assertEquals(aloneA.last().trainLoss(), a.get().last().trainLoss(), 0.0);
            assertEquals(aloneB.last().testLoss(), b.get().last().testLoss(), 0.0);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void divergenceEndsTheRunWithItsStep() {
        Trainer.Result r = train(SMALL.with(Map.of("lr", 1e30, "warmup_steps", 0)));
        assertEquals(RunStatus.DIVERGED, r.status());
        assertTrue(r.message().matches("train loss (NaN|Infinity) at step \\d+"), r.message());
        assertTrue(r.finalStep() < SMALL.steps());
    }

    @Test
    void cancellationIsATimeout() {
        Torch.useThreads(1);
        try (NDManager m = NDManager.newBaseManager()) {
            int[] polls = {0};
            Trainer.Result r = Trainer.alone(Trainer.Member.fresh(SMALL, m, new Trainer.Listener() {}), m,
                    () -> ++polls[0] > 30);
            assertEquals(RunStatus.TIMEOUT, r.status());
            assertEquals(30, r.finalStep());
            assertEquals(groksweep.results.StopReason.TIMEOUT, r.stopReason());
        }
    }

    /** init_scale multiplies every initial parameter; fixed_weight_norm holds ‖θ‖ at factor × ‖θ₀‖ ever after. */
    @Test
    void initScaleAndFixedWeightNormSetTheNorm() {
        double base = train(SMALL.with("steps", 1)).metrics().get(0).weightSqSum();
        Trainer.Result scaled = train(SMALL.with(Map.of("init_scale", 2.0, "fixed_weight_norm", 0.5, "weight_decay", 0.0)));
        assertEquals(4 * base, scaled.metrics().get(0).weightSqSum(), 1e-5 * base);
        for (MetricRow r : scaled.metrics().subList(1, scaled.metrics().size())) {
            assertEquals(base, r.weightSqSum(), 1e-5 * base, "step " + r.step()); // (0.5·2)² × base
        }
    }

    /**
     * The optimizer measures: no update norm before the first update, then the norm of the last
     * change; the gradient–weight cosine at step 0 equals one computed here from the same gradient.
     */
    @Test
    void optimizerMeasuresAreRecordedAtEvalSteps() {
        Trainer.Result r = train(SMALL);
        assertNull(r.metrics().get(0).updateNorm());
        for (MetricRow row : r.metrics().subList(1, r.metrics().size())) {
            assertTrue(row.updateNorm() > 0 && row.updateNorm() < 1, "step " + row.step() + ": " + row.updateNorm());
            assertEquals(0.0, row.softmaxCollapse(), "no collapse this early");
        }
        Torch.useThreads(1);
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = new Trainer(List.of(Trainer.Member.fresh(SMALL, m, new Trainer.Listener() {})), m);
            Split split = Split.of(SMALL);
            try (GradMode g = GradMode.enabled()) {
                NDArray logits = t.model().forward(m.create(Split.firstOperands(23, split.train())).expandDims(0),
                        m.create(Split.secondOperands(23, split.train())).expandDims(0)).logits().get(0);
                GradMode.backward(Loss.of(SMALL, logits, m.create(Split.labels(SMALL, split.train()))));
            }
            double dot = 0, gg = 0, ww = 0;
            for (NDArray w : t.model().params()) {
                float[] wv = w.toFloatArray();
                float[] gv = w.getGradient().toFloatArray();
                for (int i = 0; i < wv.length; i++) {
                    dot += (double) wv[i] * gv[i];
                    gg += (double) gv[i] * gv[i];
                    ww += (double) wv[i] * wv[i];
                }
            }
            assertEquals(dot / Math.sqrt(gg * ww), r.metrics().get(0).gradWeightCos(), 1e-6);
        }
    }

    /**
     * Each family of operations trains to memorisation, and its progress measures are those of its
     * group: defined for mul and div (over Z_22 in log coordinates at p = 23), null for a polynomial.
     */
    @Test
    void operationsTrainAndMeasureInTheirOwnGroup() {
        for (String op : new String[] {"mul", "div", "x3_xy"}) {
            Trainer.Result r = train(SMALL.with(Map.of("operation", op, "steps", 300, "eval_every", 100,
                    "analysis_every", 300, "lr", 3e-3)));
            assertEquals(1.0, r.last().trainAcc(), op + " memorises its train pairs");
            var measures = r.last().measures();
            if (op.equals("x3_xy")) {
                assertNull(measures.restrictedLoss(), op);
                assertNull(measures.keyFreqs(), op);
            } else {
                assertTrue(measures.restrictedLoss() > 0 && measures.excludedLoss() > 0, op);
            }
        }
    }
}
