package groksweep.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import groksweep.results.Onsets;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Results written by groksweep 0.1.0 (its own sweep and train commands; core's test resources)
 * are analysed by this version, in place: nothing is written beside them.
 */
class LegacyResultsTest {
    static final Path FIXTURE = Path.of("..", "core", "src", "test", "resources", "results-v0.1.0").toAbsolutePath();

    @Test
    void resultsOfTheEarlierVersionAreAnalysedAndTheirOnsetsAgree() throws Exception {
        long files = fileCount();
        SparkSession spark = SharedSpark.get();
        Results.open(spark, FIXTURE.toString());
        Jobs.all(spark, Onsets.Thresholds.defaults());
        assertEquals(6L, spark.table("runs").count());
        assertEquals(Map.of("ok", 4L, "diverged", 1L, "timeout", 1L), counts(spark, "SELECT status, count(*) FROM runs GROUP BY status"));
        // 0.1.0 wrote none of the later options; the runs view reads them as their neutral defaults.
        assertEquals(Map.of("add/transformer/1.0", 6L), counts(spark,
                "SELECT concat_ws('/', operation, model, attn_coeff), count(*) FROM runs GROUP BY 1"));
        assertFalse(List.of(spark.read().parquet(FIXTURE.resolve("runs").toString()).columns()).contains("operation"),
                "the files themselves lack them");

        // 0.1.0's trainer recorded its own onsets in runs; the onsets view, the one definition now, agrees.
        Map<String, Row> view = new HashMap<>();
        spark.table("onsets").collectAsList().forEach(r -> view.put(r.getAs("run_id"), r));
        for (Row old : spark.read().parquet(FIXTURE.resolve("runs").toString())
                .select("run_id", "memorised_step", "grokked_step").collectAsList()) {
            Row now = view.get(old.getString(0));
            assertEquals(old.get(1), now.getAs("memorised_step"), "memorised_step of " + old.getString(0));
            assertEquals(old.get(2), now.getAs("grokked_step"), "grokked_step of " + old.getString(0));
        }
        assertEquals(900, (int) view.get("51396145c7d32511").getAs("grokked_step"));
        assertEquals(1950, (int) view.get("33833debf9418327").getAs("grokked_step"));

        Row fraction08 = spark.sql("SELECT runs, share_grokked, median_grokked_step FROM grid_summary"
                + " WHERE train_fraction = 0.8").first();
        assertEquals(2L, fraction08.getLong(0));
        assertEquals(1.0, fraction08.getDouble(1));
        assertEquals(1425.0, fraction08.getDouble(2), "median of 900 and 1950");
        assertEquals(files, fileCount(), "the analysis wrote nothing beside the results");
    }

    static Map<String, Long> counts(SparkSession spark, String sql) {
        Map<String, Long> m = new HashMap<>();
        spark.sql(sql).collectAsList().forEach(r -> m.put(r.getString(0), r.getLong(1)));
        return m;
    }

    static long fileCount() throws Exception {
        try (Stream<Path> s = Files.walk(FIXTURE)) {
            return s.filter(Objects::nonNull).count();
        }
    }
}
