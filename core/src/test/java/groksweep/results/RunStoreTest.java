package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** A run's state as the run store tells it, from per-run files and compacted parts alike. */
class RunStoreTest {
    @TempDir Path dir;

    @Test
    void aRunsStateIsTheSameBeforeAndAfterCompaction() throws Exception {
        ResultsStore files = new ResultsStore(dir.toString());
        List<String> ids = SyntheticResults.write(files, 4, 7);
        files.write(Tables.RUNS, ids.get(1), List.of(files.read(Tables.RUNS, ids.get(1)).get(0).set("status", "failed")));
        RunStore before = new RunStore(files);
        List<Row> metrics = before.metrics(ids.get(0));
        assertEquals(Set.copyOf(ids), before.committed());
        assertEquals(Set.of(ids.get(1)), before.retryable());
        assertEquals(RunStatus.OK, before.status(ids.get(0)));
        assertTrue(before.ownRecord(ids.get(0)));

        Compaction.compact(files, Duration.ZERO, Compaction.NO_STAGES);
        RunStore after = new RunStore(files);
        assertEquals(Set.copyOf(ids), after.committed());
        assertTrue(after.committed(ids.get(2)), "committed through the manifest");
        assertFalse(after.ownRecord(ids.get(2)));
        assertEquals(Set.of(ids.get(1)), after.retryable(), "the status read from the compacted part");
        assertEquals(metrics.size(), after.metrics(ids.get(0)).size());
        assertEquals(metrics.get(3).getDouble("test_acc"), after.metrics(ids.get(0)).get(3).getDouble("test_acc"));
        assertFalse(after.committed("0123456789abcdef"));
    }

    @Test
    void anUncommittedRunIsNoLongerCommittedAndItsStatusIsForgotten() throws Exception {
        ResultsStore files = new ResultsStore(dir.toString());
        List<String> ids = SyntheticResults.write(files, 2, 3);
        RunStore runs = new RunStore(files);
        assertEquals(RunStatus.OK, runs.status(ids.get(0)));
        runs.uncommit(ids.get(0));
        assertFalse(runs.committed(ids.get(0)));
        assertEquals(Set.of(ids.get(1)), runs.committed());
        assertTrue(files.exists(Layout.run(Tables.METRICS, ids.get(0))), "its other files stay until it trains again");
    }
}
