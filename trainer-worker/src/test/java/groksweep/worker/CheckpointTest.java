package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.Tables;
import groksweep.train.MetricRow;
import groksweep.train.Trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

class CheckpointTest {
    static final TrainConfig C = TrainConfig.defaults().with(Map.of(
            "modulus", 23, "train_fraction", 0.5, "steps", 150, "eval_every", 10, "analysis_every", 30));
    @TempDir Path dir;

    /** A run killed after step 95 resumes from its checkpoint at 80 and ends exactly as an unbroken run. */
    @Test
    void aKilledRunResumesFromItsCheckpointAndEndsTheSame() throws Exception {
        ResultsStore whole = new ResultsStore(dir.resolve("whole").toString());
        Worker.run(C, whole, new Worker.Options(1, 0, null, null), new Trainer.Listener() {});

        ResultsStore broken = new ResultsStore(dir.resolve("broken").toString());
        AtomicInteger step = new AtomicInteger();
        Trainer.Listener track = new Trainer.Listener() {
            @Override
            public void onMetrics(MetricRow row) {
                step.set(row.step());
            }
        };
        Map<String, Object> killed = Worker.run(C, broken,
                new Worker.Options(1, 0, null, null, 40, "cpu", () -> step.get() >= 95), track);
        assertNull(killed, "an abandoned run commits nothing");
        assertTrue(broken.runIds(Tables.RUNS).isEmpty());
        assertTrue(broken.exists("checkpoints/" + C.runId() + ".npz"));

        AtomicInteger firstStep = new AtomicInteger(-1);
        Map<String, Object> resumed = Worker.run(C, broken, new Worker.Options(1, 0, null, null, 40, "cpu", () -> false),
                new Trainer.Listener() {
                    @Override
                    public void onMetrics(MetricRow row) {
                        firstStep.compareAndSet(-1, row.step());
                    }
                });
        assertEquals(80, resumed.get("resumed_from_step"));
        assertEquals(80, firstStep.get(), "trained from the checkpoint at 80, not from 0");
        assertEqualRows(whole.read(Tables.METRICS, C.runId()), broken.read(Tables.METRICS, C.runId()));
        assertEqualRows(whole.read(Tables.SPECTRA, C.runId()), broken.read(Tables.SPECTRA, C.runId()));
        assertFalse(broken.exists("checkpoints/" + C.runId() + ".npz"), "checkpoint removed once committed");
    }

    static void assertEqualRows(List<Object[]> expected, List<Object[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(strip(expected.get(i)), strip(actual.get(i)), "row " + i);
        }
    }

    private static Object[] strip(Object[] row) { // int[] compare by value
        Object[] out = row.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] instanceof int[] a) {
                out[i] = java.util.Arrays.toString(a);
            }
        }
        return out;
    }
}
