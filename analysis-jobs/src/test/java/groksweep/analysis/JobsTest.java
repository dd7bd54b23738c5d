package groksweep.analysis;

import groksweep.results.Onsets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The jobs on hand-made results, answers computed by hand. */
class JobsTest {
    static SparkSession spark;
    @TempDir static Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = SharedSpark.get();
        Fixture f = new Fixture(dir.toString());
        f.onsetCases();
        f.frequencyCases();
        Results.open(spark, dir.toString());
        Jobs.all(spark, Onsets.Thresholds.defaults());
    }

    static Map<String, Row> byRun(String view) {
        Map<String, Row> m = new HashMap<>();
        spark.table(view).collectAsList().forEach(r -> m.put(r.getAs("run_id"), r));
        return m;
    }

    @Test
    void onsets() {
        Map<String, Row> o = byRun("onsets");
        assertNull(o.get("never").getAs("memorised_step"));
        assertNull(o.get("never").getAs("grokked_step"));
        assertEquals(100, (int) o.get("last").getAs("memorised_step"));
        assertEquals(2000, (int) o.get("last").getAs("grokked_step"), "groks at the last step");
        assertEquals(1900, (int) o.get("last").getAs("grokking_delay"));
        assertEquals(2000, (int) o.get("last").getAs("test_loss_below_step"));
        assertEquals(500, (int) o.get("fallback").getAs("grokked_step"), "300 fell back at 400: not held");
        assertEquals(300, (int) o.get("fallback").getAs("test_loss_below_step"));
        assertEquals(1.0, (double) o.get("fallback").getAs("final_test_acc"));
        assertEquals(1000, (int) o.get("exactlyG").getAs("memorised_step"), "0.95 < 0.99 until step 1000");
        assertEquals(1200, (int) o.get("exactlyG").getAs("grokked_step"));
    }

    @Test
    void phases() {
        Map<String, Row> p = byRun("phases");
        assertEquals("confusion", p.get("never").getAs("phase"));
        assertEquals("grokking", p.get("last").getAs("phase"));
        assertEquals("grokking", p.get("exactlyG").getAs("phase"), "t_test − t_train = 1100 − 100 = G");
        assertEquals(1100, (int) p.get("exactlyG").getAs("t_test"));
        assertEquals("comprehension", p.get("fast").getAs("phase"));
        assertEquals("comprehension", p.get("fallback").getAs("phase"), "t_test 300 − t_train 100 < G");
        assertEquals("memorisation", p.get("fc").getAs("phase"));
    }

    @Test
    void frequencyStatistics() {
        Map<Integer, Long> counts = new HashMap<>();
        spark.sql("SELECT k, runs_with_k FROM freq_stats WHERE modulus = 7").collectAsList()
                .forEach(r -> counts.put(r.getInt(0), r.getLong(1)));
        assertEquals(Map.of(1, 2L, 2, 1L, 3, 1L), counts);
        Map<Integer, Long> hist = new HashMap<>();
        spark.sql("SELECT n_key_freqs, runs FROM n_key_freqs").collectAsList()
                .forEach(r -> hist.put(r.getInt(0), r.getLong(1)));
        assertEquals(Map.of(0, 6L, 2, 2L), hist, "the 5 onset runs and fc have none; fa and fb two");
        Row seeds = spark.sql("SELECT mean_jaccard, seed_pairs, share_keys_before_grok FROM seed_agreement"
                + " WHERE weight_decay = 0.5").first();
        assertEquals((1.0 / 3 + 0 + 0) / 3, seeds.getDouble(0), 1e-12, "J({1,3},{1,2}) = 1/3, with {} → 0");
        assertEquals(3L, seeds.getLong(1));
        assertEquals(1.0, seeds.getDouble(2), 1e-12, "fa and fb had their keys by their grok step 200");
        List<Row> fa = spark.sql("SELECT k, first_key_step, first_key_vs_grok FROM key_freqs WHERE run_id = 'fa' ORDER BY k")
                .collectAsList();
        assertEquals(100, fa.get(0).getInt(1));
        assertEquals(200, fa.get(1).getInt(1));
        assertEquals(-100, fa.get(0).getInt(2), "k = 1 became key 100 steps before grokking");
    }

    @Test
    void gridSummaryGroupsSeeds() {
        Row r = spark.sql("SELECT runs, share_grokked, median_grokked_step, majority_phase FROM grid_summary"
                + " WHERE weight_decay = 0.5").first();
        assertEquals(3L, r.getLong(0));
        assertEquals(2.0 / 3, r.getDouble(1), 1e-9);
        assertEquals(200.0, r.getDouble(2));
        assertEquals("comprehension", r.getString(3));
    }

    /** The onset cases split 2 grokking, 2 comprehension, 1 confusion: a tie is shown, not broken at random. */
    @Test
    void tiedPhasesAreAllNamed() {
        Row r = spark.sql("SELECT runs, majority_phase FROM grid_summary WHERE weight_decay = 1.0").first();
        assertEquals(5L, r.getLong(0));
        assertEquals("comprehension/grokking", r.getString(1));
    }
}
