package groksweep.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.cli.Main;
import groksweep.results.ResultsStore;
import groksweep.results.Tables;
import groksweep.sweep.Interrupted;
import groksweep.sweep.SweepSpec;

import org.apache.spark.sql.SparkSession;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every results file system must pass: a sweep of 6 runs cancelled after its first commit
 * shows only whole runs; the rerun (the command line, as a user runs it) trains only the rest;
 * every table then holds each run once, no temporary file is left, and analyze and sql read it all.
 */
final class StoreScenario {
    private StoreScenario() {}

    /** Runs the scenario on a sweep writing to {@code root}, with {@code hadoop} settings in its spec; returns its store. */
    static ResultsStore cancelledThenResumed(SparkSession spark, Path dir, String root,
            Map<String, String> hadoop) throws Exception {
        StringBuilder settings = new StringBuilder(hadoop.isEmpty() ? "" : "spark:\n");
        hadoop.forEach((k, v) -> settings.append("  spark.hadoop.").append(k).append(": '").append(v).append("'\n"));
        Path specFile = Files.writeString(dir.resolve("spec.yaml"), """
                name: store
                output: %s
                grid:
                  seed: [0, 1, 2, 3, 4, 5]
                trainer:
                  modulus: 11
                  train_fraction: 0.5
                  steps: 300
                  eval_every: 10
                  analysis_every: 100
                  d_mlp: 64
                %s""".formatted(root, settings));
        SweepSpec spec = SweepSpec.parse(Files.readString(specFile));
        ResultsStore store = new ResultsStore(root, spec.hadoopConfiguration());
        Set<String> committed = Interrupted.afterFirstCommit(spark, spec, store);
        for (String id : committed) { // a visible run is whole
            assertEquals(31, store.read(Tables.METRICS, id).size(), id);
            assertEquals(3 * 5 * 4, store.read(Tables.SPECTRA, id).size(), id);
        }

        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true));
        try {
            assertEquals(0, Main.commandLine().execute("sweep", specFile.toString(), "--no-analysis"));
            assertEquals(0, Main.commandLine().execute("analyze", root, "--no-report"));
            assertEquals(0, Main.commandLine().execute("sql", root, "--format", "csv",
                    "SELECT count(*) AS runs, sum(n) AS rows FROM (SELECT run_id, count(*) AS n FROM metrics GROUP BY run_id)"));
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString();
        int rest = 6 - committed.size();
        assertTrue(out.contains(rest + " runs trained {ok=" + rest + "}, " + committed.size() + " already committed"), out);
        assertTrue(out.contains("runs,rows\n6,186"), "sql reads every run's 31 rows: " + out);
        assertEquals(6L, spark.read().parquet(root + "/runs").count());
        assertEquals(0L, spark.read().parquet(root + "/metrics").groupBy("run_id", "step").count()
                .where("count > 1").count(), "no metric row twice");
        assertTrue(store.exists("analysis/grid_summary.csv") && store.exists("views.sql"), "analyze wrote its results");
        assertEquals(List.of(), temporaries(store), "no _tmp- leftovers");
        return store;
    }

    static List<String> temporaries(ResultsStore store) throws Exception {
        List<String> found = new ArrayList<>();
        var files = store.fileSystem().listFiles(store.root(), true);
        while (files.hasNext()) {
            org.apache.hadoop.fs.Path p = files.next().getPath();
            if (p.getName().startsWith(ResultsStore.TMP_PREFIX)) {
                found.add(p.toString());
            }
        }
        return found;
    }
}
