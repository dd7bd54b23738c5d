package groksweep.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

/** The algorithms view and the per-config counts on Fixture.algorithmCases, answers by hand. */
class AlgorithmsTest {
    static SparkSession spark;
    @TempDir static Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = SharedSpark.get();
        new Fixture(dir.toString()).algorithmCases();
        Results.open(spark, dir.toString());
        Jobs.all(spark, Onsets.Thresholds.defaults());
    }

    @Test
    void eachRunGetsTheAlgorithmOfItsRule() {
        Map<String, String> algorithm = new HashMap<>();
        spark.table("algorithms").collectAsList().forEach(r -> algorithm.put(r.getAs("run_id"), r.getAs("algorithm")));
        Map<String, String> expected = new HashMap<>();
        expected.put("clock", "clock");
        expected.put("pizza", "pizza");
        expected.put("pizzaEdge", "pizza");
        expected.put("clockEdge", "clock");
        expected.put("diAtPizzaMax", "neither");
        expected.put("between", "neither");
        expected.put("unlearned", "neither");
        expected.put("unmeasured", null);
        expected.put("symmetricClock", "neither");
        expected.put("lastWins", "clock");
        expected.put("nanLast", "pizza");
        expected.put("gsOnly", null);
        expected.put("neverMeasured", null);
        assertEquals(expected, algorithm);
    }

    @Test
    void theMeasuresAreThoseOfTheLastRowWithBoth() {
        Row last = spark.sql("SELECT measured_step, distance_irrelevance, gradient_symmetricity FROM algorithms"
                + " WHERE run_id = 'lastWins'").first();
        assertEquals(200, last.getInt(0), "step 250 has no measures");
        assertEquals(0.9, last.getDouble(1));
        assertEquals(0.7, last.getDouble(2));
        Row nan = spark.sql("SELECT measured_step, distance_irrelevance FROM algorithms WHERE run_id = 'nanLast'").first();
        assertEquals(100, nan.getInt(0));
        assertEquals(0.1, nan.getDouble(1));
        Row none = spark.sql("SELECT measured_step, distance_irrelevance, gradient_symmetricity FROM algorithms"
                + " WHERE run_id = 'gsOnly'").first();
        assertNull(none.get(0));
        assertNull(none.get(1));
        assertNull(none.get(2), "GS alone is not used: both come from one row");
    }

    @Test
    void gridSummaryCountsAlgorithmsPerConfig() {
        Map<Double, List<Long>> counts = new HashMap<>();
        spark.sql("SELECT weight_decay, n_clock, n_pizza, n_neither FROM grid_summary").collectAsList()
                .forEach(r -> counts.put(r.getDouble(0), List.of(r.getLong(1), r.getLong(2), r.getLong(3))));
        assertEquals(Map.of(
                2.0, List.of(2L, 2L, 3L), // clock, clockEdge; pizza, pizzaEdge; diAtPizzaMax, between, unlearned
                3.0, List.of(1L, 1L, 1L), // lastWins; nanLast; symmetricClock (gsOnly not measured)
                4.0, List.of(0L, 0L, 0L)), counts);
    }
}
