package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.RunRecord;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;
import groksweep.results.Tables;
import groksweep.train.Trainer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One real run that groks, end to end through Parquet: p = 59, half the pairs for training,
 * weight decay 1 (memorises in ~100 steps, generalises ~800 steps later). Asserts the grokking
 * gap and Nanda et al.'s progress-measure observations on the written tables.
 */
class GrokkingRunTest {
    static final TrainConfig CONFIG = TrainConfig.defaults().with(Map.of(
            "modulus", 59, "train_fraction", 0.5, "seed", 0, "steps", 3000,
            "stop_after_grok", 205, "analysis_every", 50));

    @TempDir static Path dir;
    static ResultsStore store;
    static Worker.Outcome run;
    static List<Row> metrics;

    @BeforeAll
    static void train() throws Exception {
        store = new ResultsStore(dir.toString());
        run = Worker.run(CONFIG, store, Worker.options().build(), new Trainer.Listener() {});
        metrics = store.read(Tables.METRICS, CONFIG.runId());
    }

    @Test
    void memorisesEarlyAndGeneralisesHundredsOfStepsLater() {
        RunRecord r = run.record();
        assertEquals(RunStatus.OK, r.status());
        assertEquals(StopReason.GROKKED, r.stopReason());
        int memorised = run.onsets().memorised();
        int grokked = run.onsets().grokked();
        assertTrue(memorised <= 300, "memorised at " + memorised);
        assertTrue(grokked - memorised >= 300, "grokking gap " + (grokked - memorised));
        assertEquals(grokked + 210, r.finalStep(), "the first eval step 205 or more after grokking");
        assertEquals(1.0, r.finalTrainAcc());
        assertTrue(r.finalTestAcc() >= 0.99);
        // At memorisation the held-out pairs are still mostly wrong: the gap is real.
        assertTrue(value(memorised, "test_acc") < 0.5, "test acc at memorisation " + value(memorised, "test_acc"));
    }

    @Test
    void progressMeasuresShowTheCircuit() {
        Row last = metrics.get(metrics.size() - 1);
        int keys = last.getInt("n_key_freqs");
        assertTrue(keys >= 1 && keys <= 8, keys + " key frequencies");
        assertEquals(keys, last.getInts("key_freqs").length);
        double restricted = last.getDouble("restricted_loss");
        double excluded = last.getDouble("excluded_loss");
        double train = last.getDouble("train_loss");
        assertTrue(restricted < 0.1, "restricted loss " + restricted);
        assertTrue(excluded > 10 * train && excluded > 1, "excluded " + excluded + " vs train " + train);
        int memorised = run.onsets().memorised();
        int perfect = metrics.stream().filter(r -> r.getDouble("train_acc") == 1.0).mapToInt(r -> r.getInt("step"))
                .filter(step -> step % 50 == 0).findFirst().orElseThrow(); // first analysis step at train acc 1
        assertTrue(value(perfect, "excluded_loss") < 0.1,
                "excluded loss is still low when the train set is first fit: " + value(perfect, "excluded_loss"));
        double giniThen = value(memorised, "gini_embed");
        double giniNow = last.getDouble("gini_embed");
        assertTrue(giniNow > 2 * giniThen, "embedding concentrates on few frequencies: " + giniThen + " -> " + giniNow);
    }

    @Test
    void everyTableHoldsTheRunOnce() throws Exception {
        assertEquals(List.of(CONFIG.runId()), List.copyOf(store.runIds(Tables.RUNS)));
        assertEquals(1, store.read(Tables.RUNS, CONFIG.runId()).size());
        int steps = run.record().finalStep();
        assertEquals(steps / 10 + 1, metrics.size(), "a row every 10 steps and the last");
        int spectraRows = store.read(Tables.SPECTRA, CONFIG.runId()).size();
        assertEquals(3 * (59 / 2) * (steps / 50 + 2), spectraRows,
                "3 sources × 29 frequencies × (every 50th step and the last, which is not a multiple of 50)");
        assertTrue(store.exists("params/" + CONFIG.runId() + ".npz"));
    }

    static double value(int step, String name) {
        Row row = metrics.stream().filter(r -> r.getInt("step") == step).findFirst().orElseThrow();
        assertNotNull(row.getDouble(name), name + " at step " + step);
        return row.getDouble(name);
    }
}
