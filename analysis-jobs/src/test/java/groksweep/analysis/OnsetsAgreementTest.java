package groksweep.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import groksweep.results.Onsets;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The trainer follows onsets live with {@link Onsets} (for stop_after_grok); the results' onsets
 * come from the SQL view. Both apply one definition: on random curves, with accuracies that
 * cross the thresholds and fall back, they give the same steps.
 */
class OnsetsAgreementTest {
    @TempDir Path dir;

    @Test
    void theSqlViewAndTheLiveTrackerAgreeOnRandomCurves() throws Exception {
        Fixture f = new Fixture(dir.toString());
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, Onsets> expected = new HashMap<>();
        for (int run = 0; run < 40; run++) {
            String id = "r" + run;
            Onsets live = new Onsets(Onsets.Thresholds.defaults());
            List<Fixture.Point> curve = new ArrayList<>();
            double train = 0;
            double test = 0;
            for (int step = 0; step <= 300; step += 10) {
                train = Math.min(1, train + rng.nextDouble() * 0.2);
                // near the threshold, test accuracy often crosses 0.99 and falls back
                test = Math.max(0, Math.min(1, test + (rng.nextDouble() - 0.4) * 0.15));
                double t = rng.nextInt(4) == 0 ? 0.99 : test; // exactly at the threshold now and then
                curve.add(Fixture.at(step, train, t, 5 * (1 - t)));
                live.observe(step, train, t);
            }
            f.run(id, Map.of("seed", run), "ok", curve.toArray(Fixture.Point[]::new));
            expected.put(id, live);
        }
        SparkSession spark = SharedSpark.get();
        Results.open(spark, dir.toString());
        spark.sql(Jobs.onsets(Onsets.Thresholds.defaults())).createOrReplaceTempView("onsets_check");
        int grokked = 0;
        for (Row r : spark.table("onsets_check").collectAsList()) {
            Onsets live = expected.get(r.<String>getAs("run_id"));
            assertEquals(live.memorised(), r.getAs("memorised_step"), r.toString());
            assertEquals(live.grokked(), r.getAs("grokked_step"), r.toString());
            grokked += live.grokked() == null ? 0 : 1;
        }
        assertEquals(40, expected.size());
        org.junit.jupiter.api.Assertions.assertTrue(grokked >= 5 && grokked <= 35, grokked + " of 40 grokked: both cases covered");
    }
}
