package groksweep.analysis;

import static groksweep.analysis.Fixture.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.results.Onsets;
import groksweep.results.ResultsStore;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
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
        f.run("s3Grok", Map.of("group", "S3", "seed", 1), "ok", at(0, 0.1, 0, 5, new int[0]), at(100, 1, 1, 0.01, 2));
        f.run("s3Mem", Map.of("group", "S3", "seed", 2), "ok", at(0, 0.1, 0, 5), at(100, 1, 0.2, 3));
        f.run("c7", Map.of("group", "C7", "seed", 1), "ok", at(0, 0.1, 0, 5, new int[0]), at(100, 1, 1, 0.01, 2));
        f.run("add7", Map.of("seed", 1), "ok", at(0, 0.1, 0, 5, new int[0]), at(100, 1, 1, 0.01, 2));
        int[] steps = {0, 100};
        f.irreps("s3Grok", "S3", steps, 2); // S3: 1a, 1b (sign), 2a, the one faithful irrep
        f.irreps("s3Mem", "S3", steps, 1);
        f.irreps("c7", "C7", steps, 2);
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
    void keyIrrepsAreEachRunsLastOnes() {
        List<String> rows = spark.sql("SELECT run_id, `group`, irrep, name, dim, faithful, n_key_irreps, first_key_step,"
                + " first_key_vs_grok FROM key_irreps ORDER BY run_id").collectAsList().stream().map(Row::toString).toList();
        assertEquals(List.of("[c7,C7,2,k2,2,true,1,100,0]", "[s3Grok,S3,2,2a,2,true,1,100,0]",
                "[s3Mem,S3,1,1b,1,false,1,100,null]"), rows, "s3Mem never grokked");
    }

    /** S3: two ok runs, one with its faithful 2a key; C7: one run, k2 key; modular runs have no irreps. */
    @Test
    void irrepStatsCountKeyIrrepsAcrossSeeds() {
        List<String> rows = spark.sql("SELECT `group`, irrep, dim, faithful, runs, runs_with_key, share_key, lowest_dim,"
                + " share_lowest_dim_key FROM irrep_stats ORDER BY `group`, irrep").collectAsList().stream()
                .map(Row::toString).toList();
        assertEquals(List.of(
                "[C7,0,1,false,1,0,0.0,2,1.0]", "[C7,1,2,true,1,0,0.0,2,1.0]", "[C7,2,2,true,1,1,1.0,2,1.0]",
                "[C7,3,2,true,1,0,0.0,2,1.0]",
                "[S3,0,1,false,2,0,0.0,2,0.5]", "[S3,1,1,false,2,1,0.5,2,0.5]", "[S3,2,2,true,2,1,0.5,2,0.5]"), rows);
    }

    /** The report's histogram per group: non-trivial irreps named with their dimension, * when faithful. */
    @Test
    void theReportCountsKeyIrrepsPerGroup() throws Exception {
        List<String> rows = spark.sql(Jobs.keyIrrepCounts("true")).collectAsList().stream().map(Row::toString).toList();
        assertEquals(List.of("[C7,1,k1 (2*),0,1]", "[C7,2,k2 (2*),1,1]", "[C7,3,k3 (2*),0,1]",
                "[S3,1,1b (1),1,2]", "[S3,2,2a (2*),1,2]"), rows);
        StringBuilder html = new StringBuilder();
        Report.keyIrreps(html, spark, new ResultsStore(dir.toString()), "true", "");
        for (String group : List.of("S3", "C7")) {
            assertTrue(Files.size(dir.resolve("report/key-irreps-" + group + ".png")) > 1000, group);
            assertTrue(html.toString().contains("report/key-irreps-" + group + ".png"), group);
        }
        Report.write(spark, new ResultsStore(dir.toString())); // progress measures without Fourier Gini coefficients
        assertTrue(Files.size(dir.resolve("report/measures-s3Grok.png")) > 1000);
        assertTrue(Files.readString(dir.resolve("report.html")).contains("report/key-irreps-S3.png"));
        StringBuilder none = new StringBuilder();
        Report.keyIrreps(none, spark, new ResultsStore(dir.toString()), "`group` = 'none'", "none-");
        assertEquals("", none.toString(), "no histogram without runs on a group");
    }

    @Test
    void seedAgreementAndReportLabelsNameTheGroup() {
        assertEquals(3L, spark.table("seed_agreement").count(), "S3, C7 and none");
        Map<String, Integer> runs = new HashMap<>();
        Report.configs(spark, null).forEach((label, config) -> runs.put(label, config.runs().size()));
        assertEquals(2, runs.get("modulus 6, train_fraction 0.3, weight_decay 1.0, group S3"), runs.toString());
    }
}
