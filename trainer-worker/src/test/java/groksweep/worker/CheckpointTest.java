package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.Tables;
import groksweep.train.MetricRow;
import groksweep.train.Trainer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicInteger;

class CheckpointTest {
    static final TrainConfig C = TrainConfig.defaults().with(Map.of(
            "modulus", 23, "train_fraction", 0.5, "steps", 150, "eval_every", 10, "analysis_every", 30));
    @TempDir Path dir;

    /**
     * The default run, and runs whose optimizers keep more state, or draw mini-batches: every piece
     * must survive a restart.
     */
    static Stream<TrainConfig> configs() {
        return Stream.of(C,
                C.with(Map.of("optimizer", "adam", "grokfast", "ma", "grokfast_window", 30, "orthogonal_grad", true,
                        "fixed_weight_norm", 1.0, "weight_decay", 0.01, "batch_size", 40, "label_noise", 0.2)), // resumes mid-epoch
                C.with(Map.of("optimizer", "sgd", "lr", 0.05, "grokfast", "ema", "loss", "stablemax", "init_scale", 2.0)),
                C.with(Map.of("optimizer", "muon", "muon_momentum", 0.9)), // Muon's momentum beside AdamW's moments
                TrainConfig.defaults().with(Map.of("group", "D6", "model", "mlp", "train_fraction", 0.5, "steps", 150,
                        "eval_every", 10, "analysis_every", 30))); // the irreps table too
    }

    /**
     * A run killed after step 95 resumes from its checkpoint at 80 and ends exactly as an unbroken
     * run: every metric (the update norm at 80 included) spectrum and irrep row equal.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void aKilledRunResumesFromItsCheckpointAndEndsTheSame(TrainConfig C) throws Exception {
        ResultsStore whole = new ResultsStore(dir.resolve("whole").toString());
        Worker.run(C, whole, Worker.options().build(), new Trainer.Listener() {});

        ResultsStore broken = new ResultsStore(dir.resolve("broken").toString());
        AtomicInteger step = new AtomicInteger();
        Trainer.Listener track = new Trainer.Listener() {
            @Override
            public void onMetrics(MetricRow row) {
                step.set(row.step());
            }
        };
        Worker.Outcome killed = Worker.run(C, broken,
                Worker.options().checkpointEvery(40).abandon(() -> step.get() >= 95).build(), track);
        assertNull(killed, "an abandoned run commits nothing");
        assertTrue(broken.runIds(Tables.RUNS).isEmpty());
        assertTrue(broken.exists("checkpoints/" + C.runId() + ".npz"));

        AtomicInteger firstStep = new AtomicInteger(-1);
        Worker.Outcome resumed = Worker.run(C, broken, Worker.options().checkpointEvery(40).build(),
                new Trainer.Listener() {
                    @Override
                    public void onMetrics(MetricRow row) {
                        firstStep.compareAndSet(-1, row.step());
                    }
                });
        assertEquals(80, resumed.record().resumedFromStep());
        assertEquals(80, firstStep.get(), "trained from the checkpoint at 80, not from 0");
        assertEqualRows(whole.read(Tables.METRICS, C.runId()), broken.read(Tables.METRICS, C.runId()));
        for (var t : Tables.MEASURES) {
            assertEqualRows(whole.read(t, C.runId()), broken.read(t, C.runId()));
        }
        assertEquals(C.group().equals("none") ? 0 : 6 * 6, whole.read(Tables.IRREPS, C.runId()).size(),
                "D6's 6 irreps (four of dimension 1, two of 2) at steps 0, 30, .., 150");
        assertFalse(broken.exists("checkpoints/" + C.runId() + ".npz"), "checkpoint removed once committed");
    }

    static void assertEqualRows(List<Row> expected, List<Row> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "row " + i); // Row compares lists by value
        }
    }
}
