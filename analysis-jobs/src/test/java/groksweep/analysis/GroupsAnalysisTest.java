package groksweep.analysis;

import static groksweep.analysis.Fixture.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.results.Onsets;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs on finite groups beside modular ones: group is a config column like any other, though SQL reserves its name. */
class GroupsAnalysisTest {
    static SparkSession spark;
    @TempDir static Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = SharedSpark.get();
        Fixture f = new Fixture(dir.toString());
        f.run("s3Grok", Map.of("group", "S3", "seed", 1), "ok", at(0, 0.1, 0, 5), at(100, 1, 1, 0.01));
        f.run("s3Mem", Map.of("group", "S3", "seed", 2), "ok", at(0, 0.1, 0, 5), at(100, 1, 0.2, 3));
        f.run("c7", Map.of("group", "C7", "seed", 1), "ok", at(0, 0.1, 0, 5, new int[0]), at(100, 1, 1, 0.01, 2));
        f.run("add7", Map.of("seed", 1), "ok", at(0, 0.1, 0, 5, new int[0]), at(100, 1, 1, 0.01, 2));
        Results.open(spark, dir.toString());
        Jobs.all(spark, Onsets.Thresholds.defaults());
    }

    @Test
    void theGridSummaryHasARowPerGroup() {
        assertTrue(Jobs.configColumns(spark).contains("group"), Jobs.configColumns(spark).toString());
        Map<String, List<Object>> rows = new HashMap<>();
        for (Row r : spark.sql("SELECT `group`, modulus, runs, share_grokked FROM grid_summary").collectAsList()) {
            rows.put(r.getString(0), List.of(r.getInt(1), r.getLong(2), r.getDouble(3)));
        }
        assertEquals(Map.of("S3", List.of(6, 2L, 0.5), "C7", List.of(7, 1L, 1.0), "none", List.of(7, 1L, 1.0)), rows);
    }

    @Test
    void seedAgreementAndReportLabelsNameTheGroup() {
        assertEquals(3L, spark.table("seed_agreement").count(), "S3, C7 and none");
        Map<String, Integer> runs = new HashMap<>();
        Report.configs(spark, null).forEach((label, config) -> runs.put(label, config.runs().size()));
        assertEquals(2, runs.get("modulus 6, train_fraction 0.3, weight_decay 1.0, group S3"), runs.toString());
    }
}
