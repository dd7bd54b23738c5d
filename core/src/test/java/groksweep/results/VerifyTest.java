package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What verify finds, on synthetic runs damaged by hand: metrics cut short, a compacted part truncated, nothing on whole runs. */
class VerifyTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void wholeRunsAreNotDamaged() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        SyntheticResults.write(store, 3, 1);
        Verify.Report r = Verify.check(store);
        assertEquals(3, r.runs());
        assertEquals(List.of(), r.damage());
    }

    /** A metrics file rewritten whole but without its last rows (a copy that stopped at a row boundary): readable, and short. */
    @Test
    void metricsThatStopShortOfTheFinalStepAreDamage() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        List<String> runs = SyntheticResults.write(store, 3, 1);
        String victim = runs.get(1);
        List<Row> rows = new ArrayList<>(store.read(Tables.METRICS, victim));
        store.write(Tables.METRICS, victim, rows.subList(0, rows.size() - 5)); // steps 0 .. 1950 of 2000

        Verify.Report r = Verify.check(store);
        assertEquals(3, r.runs());
        assertEquals(1, r.damage().size(), r.damage().toString());
        Verify.Damage d = r.damage().get(0);
        assertEquals(victim, d.runId());
        assertEquals("its metrics end at step 1950, its record at final_step 2000", d.problem());
        assertTrue(d.line().startsWith("run " + victim + ": "), d.line());
    }

    /** A compacted part cut in half: every run it holds is damaged, named as the part. */
    @Test
    void aTruncatedCompactedPartIsDamage() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        SyntheticResults.write(store, 3, 1);
        Compaction.compact(store, Duration.ZERO, Compaction.NO_STAGES);
        assertEquals(0, Compaction.uncompactedRuns(store), "compacted");
        List<String> parts = Compaction.manifest(store).parts(Tables.METRICS);
        assertEquals(1, parts.size(), parts.toString());
        java.nio.file.Path part = dir.resolve(parts.get(0));
        byte[] whole = Files.readAllBytes(part);
        Files.write(part, java.util.Arrays.copyOf(whole, whole.length / 2));

        Verify.Report r = Verify.check(store);
        assertEquals(3, r.runs());
        assertEquals(1, r.damage().size(), r.damage().toString());
        Verify.Damage d = r.damage().get(0);
        assertNull(d.runId(), "a part, not one run");
        assertEquals(new Path(store.root(), parts.get(0)).toString(), d.file());
        assertTrue(d.problem().startsWith("cannot be read ("), d.problem());
        assertTrue(d.line().startsWith("part: "), d.line());
    }
}
