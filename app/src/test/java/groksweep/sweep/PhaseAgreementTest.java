package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import groksweep.analysis.Jobs;
import groksweep.analysis.SharedSpark;
import groksweep.results.Onsets;
import groksweep.results.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A search's phase (Search.category, in Java) is the phases view's (SQL), run for run, in every phase. */
class PhaseAgreementTest {
    /** A search of Liu et al.'s phase over two axes; its lattices do not enter a run's phase. */
    private static final Search PHASE = SweepSpec.parse("""
            name: phases
            output: /tmp/unused
            search:
              axis: [weight_decay, train_fraction]
              range: [[0, 1], [0.1, 0.9]]
              resolution: [0.5, 0.2]
              outcome: phase
            """).search();

    @Test
    void searchesAndThePhasesViewGiveEveryRunTheSamePhase() {
        // per run: (step, train_acc, test_acc) rows; thresholds 0.9 and a gap of 1,000 steps
        Map<String, double[][]> runs = new TreeMap<>(Map.of(
                "confusion", new double[][] {{0, 0.1, 0.0}, {500, 0.5, 0.95}, {1000, 0.89, 0.2}},
                "memorisation", new double[][] {{0, 0.1, 0.0}, {100, 0.95, 0.1}, {3000, 1.0, 0.5}},
                "grokking", new double[][] {{0, 0.1, 0.0}, {100, 0.9, 0.1}, {1100, 1.0, 0.9}},
                "comprehension", new double[][] {{0, 0.1, 0.0}, {100, 0.92, 0.1}, {1099, 1.0, 0.95}}));
        List<Row> rows = new ArrayList<>();
        runs.forEach((id, steps) -> {
            for (double[] s : steps) {
                rows.add(RowFactory.create(id, (int) s[0], s[1], s[2]));
            }
        });
        SparkSession spark = SharedSpark.get();
        StructType schema = new StructType().add("run_id", DataTypes.StringType).add("step", DataTypes.IntegerType)
                .add("train_acc", DataTypes.DoubleType).add("test_acc", DataTypes.DoubleType);
        spark.createDataFrame(rows, schema).createOrReplaceTempView("metrics");
        Map<String, String> view = new TreeMap<>();
        for (Row r : spark.sql(Jobs.phases(Onsets.Thresholds.defaults())).collectAsList()) {
            view.put(r.getAs("run_id"), r.getAs("phase"));
        }
        Map<String, String> search = new TreeMap<>();
        runs.forEach((id, steps) -> {
            List<groksweep.results.Row> metrics = new ArrayList<>();
            for (double[] s : steps) {
                metrics.add(Tables.METRICS.row().set("step", (int) s[0]).set("train_acc", s[1]).set("test_acc", s[2]));
            }
            search.put(id, PHASE.category(metrics));
        });
        assertEquals(view, search);
        search.forEach((id, phase) -> assertEquals(id, phase, "each run is named after the phase it is built to be in"));
    }
}
