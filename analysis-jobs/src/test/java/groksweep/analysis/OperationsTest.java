package groksweep.analysis;

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

/** Results of two operations and two models (Fixture.operationCases): key frequencies per operation. */
class OperationsTest {
    static SparkSession spark;
    @TempDir static Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = SharedSpark.get();
        new Fixture(dir.toString()).operationCases();
        Results.open(spark, dir.toString());
        Jobs.all(spark, Onsets.Thresholds.defaults());
    }

    /** "operation k" → value of a two-column query (operation, k or n, then a number). */
    static Map<String, Object> byOperation(String sql) {
        Map<String, Object> m = new HashMap<>();
        spark.sql(sql).collectAsList().forEach(r -> m.put(r.getString(0) + " " + r.get(1), r.get(2)));
        return m;
    }

    @Test
    void freqStatsArePerOperation() {
        assertEquals(Map.of("add 1", 1L, "add 3", 3L, "mul 1", 1L, "mul 2", 2L),
                byOperation("SELECT operation, k, runs_with_k FROM freq_stats WHERE modulus = 7"));
        assertEquals(Map.of("add 1", 0.25, "add 3", 0.75, "mul 1", 0.5, "mul 2", 1.0),
                byOperation("SELECT operation, k, share_of_runs FROM freq_stats"), "4 add runs, 2 mul runs");
    }

    @Test
    void kOverNUsesTheOrderOfTheOperationsGroup() {
        Map<String, Object> kOverN = byOperation("SELECT run_id, k, k_over_p FROM key_freqs");
        assertEquals(3 / 7.0, (double) kOverN.get("addA 3"), 1e-12, "Z_7");
        assertEquals(2 / 6.0, (double) kOverN.get("mulA 2"), 1e-12, "Z_6: Z_7* in discrete logs");
        assertEquals("mul", spark.sql("SELECT operation FROM key_freqs WHERE run_id = 'mulMlp'").first().getString(0));
    }

    @Test
    void nKeyFreqsArePerOperation() {
        assertEquals(Map.of("add 0", 1L, "add 1", 2L, "add 2", 1L, "mul 1", 1L, "mul 2", 1L),
                byOperation("SELECT operation, n_key_freqs, runs FROM n_key_freqs"));
    }

    /** The report cuts pages by a condition on the runs: the same queries over a subset. */
    @Test
    void keyFrequencyQueriesTakeASubsetOfRuns() {
        assertEquals(Map.of("mul 2", 1L), byOperation(
                "SELECT operation, k, runs_with_k FROM (" + Jobs.freqStats("model = 'mlp'") + ")"));
        assertEquals(Map.of("add 0", 1L, "mul 1", 1L), byOperation(
                "SELECT operation, n_key_freqs, runs FROM (" + Jobs.nKeyFreqs("model = 'mlp'") + ")"));
    }

    /** analyze --axes train_fraction,operation: one cell per value pair, pooling models and weight decays. */
    @Test
    void diagramCellsPoolTheRunsOfTheChosenAxes() {
        Map<String, List<Row>> diagrams = Report.diagramCells(spark, Report.axes("train_fraction, operation"));
        assertEquals(List.of("7"), List.copyOf(diagrams.keySet()), "one diagram per modulus");
        Map<String, List<Object>> cells = new HashMap<>();
        for (Row c : diagrams.get("7")) {
            assertEquals(0.3, (double) c.getAs("train_fraction"));
            cells.put(c.getAs("operation"), List.of(c.getAs("runs"), c.getAs("majority_phase"), Charts.majorityAlgorithm(c)));
        }
        assertEquals(Map.of(
                "add", List.of(4L, "comprehension", "clock/pizza"), // addMlp memorised; addA clock, addB pizza: a tie
                "mul", List.of(2L, "comprehension", "not measured")), cells);
        assertEquals(List.of(""), List.copyOf(Report.diagramCells(spark, List.of("modulus", "operation")).keySet()),
                "modulus an axis: one diagram");
    }

    /** The report's pages: one per operation and per model, each with the learning curves of its configs. */
    @Test
    void pagesPerOperationAndModelWithTheirConfigs() {
        assertEquals(Map.of("operation", List.of("add", "mul"), "model", List.of("mlp", "transformer")), Report.pages(spark));
        Map<String, Integer> seeds = new HashMap<>();
        Report.configs(spark, "operation = 'add'").forEach((label, config) -> seeds.put(label, config.runs().size()));
        assertEquals(Map.of(
                "modulus 7, train_fraction 0.3, weight_decay 0.7, operation add, model transformer", 1,
                "modulus 7, train_fraction 0.3, weight_decay 1.0, operation add, model mlp", 1,
                "modulus 7, train_fraction 0.3, weight_decay 1.0, operation add, model transformer", 2), seeds);
    }

    @Test
    void operationAndModelAreConfigColumns() {
        List<String> config = Jobs.configColumns(spark);
        assertTrue(config.containsAll(List.of("operation", "model")), config.toString());
        assertEquals(5L, spark.table("grid_summary").count(), "add/transformer at two decays, add/mlp, mul/transformer, mul/mlp");
        Row clockPizza = spark.sql("SELECT sum(n_clock), sum(n_pizza), sum(n_neither) FROM grid_summary"
                + " WHERE operation = 'add' AND model = 'transformer'").first();
        assertEquals(List.of(1L, 1L, 0L), List.of(clockPizza.getLong(0), clockPizza.getLong(1), clockPizza.getLong(2)));
    }
}
