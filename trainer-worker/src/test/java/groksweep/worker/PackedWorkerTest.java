package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.RunStatus;
import groksweep.results.Tables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** A pack commits each run once, as it ends, and a killed pack resumes from its runs' checkpoints. */
class PackedWorkerTest {
    static final TrainConfig C = CheckpointTest.C; // p = 23, 150 steps, eval every 10, measures every 30
    static final List<TrainConfig> PACK = List.of(C.with(Map.of("seed", 1, "steps", 60)), C,
            C.with(Map.of("seed", 2, "weight_decay", 0.3)));
    static final groksweep.train.Trainer.Listener LISTENER = new groksweep.train.Trainer.Listener() {};
    @TempDir Path dir;

    @Test
    void eachRunIsCommittedOnceAsItEndsWithItsOwnRecord() throws Exception {
        ResultsStore store = new ResultsStore(dir.resolve("out").toString());
        List<String> order = new ArrayList<>(); // run id and the runs committed by then
        List<Worker.Outcome> outcomes = Worker.run(PACK, store, Worker.options().build(), LISTENER,
                o -> order.add(o.record().runId() + " with " + committed(store)));
        assertEquals(PACK.get(0).runId() + " with 1", order.get(0), "the 60-step run is committed the moment it ends");
        assertEquals(3, order.size());
        assertEquals(Set.of(PACK.get(0).runId(), PACK.get(1).runId(), PACK.get(2).runId()), store.runIds(Tables.RUNS));
        for (int i = 0; i < PACK.size(); i++) {
            TrainConfig c = PACK.get(i);
            assertEquals(c.runId(), outcomes.get(i).record().runId());
            assertEquals(RunStatus.OK, outcomes.get(i).record().status());
            assertEquals(c.steps(), outcomes.get(i).record().finalStep());
            assertEquals(c.steps() / 10 + 1, store.read(Tables.METRICS, c.runId()).size(), "a row every 10 steps");
            assertTrue(store.exists("params/" + c.runId() + ".npz"));
        }
        assertFalse(store.exists("checkpoints"), "no checkpoints were asked for");
    }

    /**
     * Killed after step ~95: the 60-step run is committed, the others commit nothing and resume from
     * their checkpoints at 80, ending with every metric and spectrum row equal to an unbroken pack's.
     */
    private static int committed(ResultsStore store) {
        try {
            return store.runIds(Tables.RUNS).size();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aKilledPackResumesFromItsCheckpointsAndEndsTheSame() throws Exception {
        ResultsStore whole = new ResultsStore(dir.resolve("whole").toString());
        Worker.run(PACK, whole, Worker.options().build(), LISTENER, o -> {});

        ResultsStore broken = new ResultsStore(dir.resolve("broken").toString());
        AtomicInteger polls = new AtomicInteger(); // polled about once a step
        List<Worker.Outcome> killed = Worker.run(PACK, broken,
                Worker.options().checkpointEvery(40).abandon(() -> polls.incrementAndGet() > 97).build(), LISTENER, o -> {});
        assertEquals(RunStatus.OK, killed.get(0).record().status(), "the short run ended before the kill");
        assertEquals(null, killed.get(1), "an abandoned run commits nothing");
        assertEquals(null, killed.get(2));
        assertEquals(Set.of(PACK.get(0).runId()), broken.runIds(Tables.RUNS));

        List<Worker.Outcome> resumed = Worker.run(PACK.subList(1, 3), broken,
                Worker.options().checkpointEvery(40).build(), LISTENER, o -> {});
        for (int i = 0; i < 3; i++) {
            String id = PACK.get(i).runId();
            if (i > 0) {
                assertEquals(80, resumed.get(i - 1).record().resumedFromStep(), id);
            }
            CheckpointTest.assertEqualRows(whole.read(Tables.METRICS, id), broken.read(Tables.METRICS, id));
            CheckpointTest.assertEqualRows(whole.read(Tables.SPECTRA, id), broken.read(Tables.SPECTRA, id));
            assertFalse(broken.exists("checkpoints/" + id + ".npz"), "checkpoint removed once committed");
        }
    }
}
