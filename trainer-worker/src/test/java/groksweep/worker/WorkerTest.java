package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.RunRecord;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;
import groksweep.results.Tables;
import groksweep.train.Trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** How a run ends, through the worker: every ending is committed with its status, and replays are exact. */
class WorkerTest {
    static final TrainConfig SMALL = TrainConfig.defaults().with(Map.of(
            "modulus", 11, "train_fraction", 0.5, "steps", 60, "eval_every", 10, "analysis_every", 30, "d_mlp", 64));
    @TempDir Path dir;

    static Worker.Outcome run(TrainConfig c, ResultsStore store, Worker.OptionsBuilder o) {
        return Worker.run(c, store, o.build(), new Trainer.Listener() {});
    }

    /** A run started from an exported init equals the original, row for row and bit for bit. */
    @ParameterizedTest
    @ValueSource(strings = {"float32", "float64"})
    void aRunFromItsExportedInitEqualsTheOriginal(String dtype) throws Exception {
        TrainConfig c = SMALL.with("dtype", dtype);
        Path init = dir.resolve("exports/init.npz"); // a directory that does not exist yet: it is created
        ResultsStore first = new ResultsStore(dir.resolve("first").toString());
        run(c, first, Worker.options().exportInit(init));
        assertTrue(Files.size(init) > 0);
        ResultsStore replay = new ResultsStore(dir.resolve("replay").toString());
        run(c, replay, Worker.options().init(Files.readAllBytes(init)));
        CheckpointTest.assertEqualRows(first.read(Tables.METRICS, c.runId()), replay.read(Tables.METRICS, c.runId()));
        CheckpointTest.assertEqualRows(first.read(Tables.SPECTRA, c.runId()), replay.read(Tables.SPECTRA, c.runId()));
        assertEquals(7, first.read(Tables.METRICS, c.runId()).size(), "steps 0, 10, ..., 60");
    }

    /** An error inside the run (here: parameters of another modulus) is committed as failed, with its message. */
    @Test
    void anErrorInTheRunIsCommittedAsFailed() throws Exception {
        Path init = dir.resolve("p13.npz");
        run(SMALL.with("modulus", 13), new ResultsStore(dir.resolve("p13").toString()), Worker.options().exportInit(init));
        ResultsStore store = new ResultsStore(dir.resolve("out").toString());
        RunRecord r = run(SMALL, store, Worker.options().init(Files.readAllBytes(init))).record();
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals(StopReason.ERROR, r.stopReason());
        assertTrue(r.message().contains("W_E"), r.message());
        assertEquals(r, RunRecord.fromRow(store.read(Tables.RUNS, SMALL.runId()).get(0)), "committed as returned");
        assertFalse(store.exists("metrics/" + SMALL.runId() + ".parquet"), "no metrics of a run that never trained");
    }

    @Test
    void aRunPastItsTimeoutIsCommittedAsTimeout() throws Exception {
        TrainConfig endless = SMALL.with("steps", 100_000_000);
        ResultsStore store = new ResultsStore(dir.toString());
        Torch.engine(); // loaded before the clock starts: the budget is for training
        RunRecord r = run(endless, store, Worker.options().timeoutSeconds(2)).record();
        assertEquals(RunStatus.TIMEOUT, r.status());
        assertEquals(StopReason.TIMEOUT, r.stopReason());
        assertTrue(r.finalStep() > 10 && r.finalStep() < endless.steps(), "stopped at " + r.finalStep());
        // every 10th step before the one the timeout stopped at (that step is not measured)
        assertEquals((r.finalStep() - 1) / 10 + 1, store.read(Tables.METRICS, endless.runId()).size(), "metrics up to the stop");
    }

    /** A run too large for this machine is refused by the worker itself, before any allocation. */
    @Test
    void aRunTooLargeForTheMachineIsRefusedAsFailed() throws Exception {
        TrainConfig huge = SMALL.with(Map.of("modulus", 20_011, "steps", 10));
        RunRecord r = run(huge, new ResultsStore(dir.toString()), Worker.options()).record();
        assertEquals(RunStatus.FAILED, r.status());
        assertTrue(r.message().contains("expected a run that fits in memory: at p = 20011"), r.message());
        assertEquals(0, r.finalStep());
    }
}
