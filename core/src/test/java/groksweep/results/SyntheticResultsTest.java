package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

class SyntheticResultsTest {
    @TempDir Path dir;

    /** Realistic runs: whole (every table), deterministic, some grokking and some not, keys before grokking. */
    @Test
    void syntheticRunsLookLikeASweep() throws Exception {
        ResultsStore store = new ResultsStore(dir.resolve("a").toString());
        List<String> ids = SyntheticResults.write(store, 40, 7);
        assertEquals(ids, SyntheticResults.write(new ResultsStore(dir.resolve("b").toString()), 40, 7), "deterministic");
        assertEquals(Set.copyOf(ids), store.runIds(Tables.RUNS));
        assertEquals(store.runIds(Tables.RUNS), store.runIds(Tables.METRICS));
        int grokked = 0;
        int pizzas = 0;
        for (String id : ids) {
            RunRecord run = RunRecord.fromRow(store.read(Tables.RUNS, id).get(0));
            List<Row> metrics = store.read(Tables.METRICS, id);
            assertEquals(SyntheticResults.STEPS / SyntheticResults.EVAL_EVERY + 1, metrics.size(), id);
            Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
            Integer firstKeys = null;
            for (Row m : metrics) {
                onsets.observe(m.getInt("step"), m.getDouble("train_acc"), m.getDouble("test_acc"));
                if (firstKeys == null && m.getInts("key_freqs") != null && m.getInts("key_freqs").length > 0) {
                    firstKeys = m.getInt("step");
                }
            }
            assertTrue(onsets.memorised() != null && onsets.memorised() < 400, id + " memorises early");
            boolean groks = run.config().weightDecay() >= 0.3 && run.config().trainFraction() >= 0.3;
            if (onsets.grokked() != null) {
                grokked++;
                assertTrue(groks, id + " groks only where the config allows");
                assertTrue(firstKeys != null && firstKeys <= onsets.grokked(), id + ": key frequencies before grokking");
            }
            Row last = metrics.get(metrics.size() - 1); // an analysis step: STEPS is a multiple of ANALYSIS_EVERY
            double di = last.getDouble("distance_irrelevance");
            double gs = last.getDouble("gradient_symmetricity");
            if (onsets.grokked() != null) {
                assertTrue(di < 0.5 && gs >= 0.98 || di >= 0.8 && gs < 0.98, id + " ends a pizza or a clock: " + di + ", " + gs);
                pizzas += gs >= 0.98 ? 1 : 0;
            }
            int p = run.config().modulus();
            assertEquals(3 * (p / 2) * (SyntheticResults.STEPS / SyntheticResults.ANALYSIS_EVERY + 1),
                    store.read(Tables.SPECTRA, id).size(), id);
        }
        assertTrue(grokked >= 10 && grokked <= 30, grokked + " of 40 grokked");
        assertTrue(pizzas > 0 && pizzas < grokked, pizzas + " of " + grokked + " grokked runs are pizzas: both kinds");
    }
}
