package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
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
            return new Trainer(c, m).train(new Trainer.Listener() {}, () -> false, List.of());
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
            Trainer.Result r = new Trainer(SMALL, m).train(new Trainer.Listener() {}, () -> ++polls[0] > 30, List.of());
            assertEquals(RunStatus.TIMEOUT, r.status());
            assertEquals(30, r.finalStep());
            assertEquals(groksweep.results.StopReason.TIMEOUT, r.stopReason());
        }
    }
}
