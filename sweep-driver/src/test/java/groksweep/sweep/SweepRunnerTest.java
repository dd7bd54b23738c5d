package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.analysis.SharedSpark;
import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.RunStatus;
import groksweep.results.Tables;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Sweeps on a shared local[2] session: two runs train at once in one JVM, as on a 2-core executor. */
class SweepRunnerTest {
    static SparkSession spark;
    @TempDir Path dir;

    @BeforeAll
    static void start() {
        spark = SharedSpark.get();
    }

    SweepSpec spec(String grid, int steps) {
        return SweepSpec.parse("name: t\noutput: " + dir.resolve("out") + "\ngrid:\n" + grid
                + "trainer:\n  modulus: 11\n  train_fraction: 0.5\n  steps: " + steps
                + "\n  eval_every: 10\n  analysis_every: 20\n  d_mlp: 64\n");
    }

    @Test
    void everyRunOnceInEveryTableAndABadRunFailsAlone() throws Exception {
        SweepSpec s = spec("  seed: [0, 1]\n  lr: [0.001, 1.0e30]\n", 40);
        SweepRunner.Outcome o = SweepRunner.run(spark, s, SweepRunner.plan(s, false), false, line -> {});
        assertEquals(4, o.trained().size());
        Map<String, Long> byStatus = o.trained().stream()
                .collect(Collectors.groupingBy(SweepRunner.RunReport::label, Collectors.counting()));
        assertEquals(Map.of("ok", 2L, "diverged", 2L), byStatus);
        String root = s.output();
        assertEquals(4L, spark.read().parquet(root + "/runs").select("run_id").distinct().count());
        assertEquals(4L, spark.read().parquet(root + "/runs").count());
        List<Row> dup = spark.read().parquet(root + "/metrics").groupBy("run_id", "step").count()
                .where("count > 1").collectAsList();
        assertEquals(List.of(), dup);
        Row ok = spark.read().parquet(root + "/runs").where("status = 'ok'")
                .selectExpr("min(final_step)", "count(*)").first();
        assertEquals(40, ok.getInt(0));
        assertEquals(2 * 5L, spark.read().parquet(root + "/metrics")
                .join(spark.read().parquet(root + "/runs").where("status = 'ok'"), "run_id").count(),
                "steps 0, 10, ..., 40 for each good run");
        assertEquals(2 * 3 * 5 * 3L, spark.read().parquet(root + "/spectra")
                .join(spark.read().parquet(root + "/runs").where("status = 'ok'"), "run_id").count(),
                "3 sources × 5 frequencies × 3 analysis steps for each good run");
        assertEquals(List.of(), Files.walk(Path.of(root)).map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith("_tmp-") || n.startsWith("_output-token-")).toList(), "no temporary and no token left");
        assertTrue(Files.exists(Path.of(root, "sweeps", "t-" + s.hash() + ".yaml")));
    }

    @Test
    void aStoppedSweepResumesWithoutTrainingCommittedRunsAgain() throws Exception {
        // Packs of 3, [800, 800, 400] and [400, 100, 100] steps: the 100-step runs commit while
        // every other run is still training.
        SweepSpec s = SweepSpec.parse("name: t\noutput: " + dir.resolve("out") + "\npack_size: 3\ngrid:\n  seed: [0, 1]\n"
                + "  steps: [100, 400, 800]\ntrainer:\n  modulus: 11\n  train_fraction: 0.5\n  eval_every: 10\n"
                + "  analysis_every: 20\n  d_mlp: 64\n");
        ResultsStore store = new ResultsStore(s.output());
        Set<String> before = Interrupted.afterFirstCommit(spark, s, store);
        String firstFinished = store.read(Tables.RUNS, before.iterator().next()).get(0).getString("finished_at");

        SweepRunner.Plan plan = SweepRunner.plan(s, false);
        assertEquals(6 - before.size(), plan.pending().size(), "only unfinished runs are planned");
        SweepRunner.Outcome o = SweepRunner.run(spark, s, plan, false, line -> {});
        assertEquals(6 - before.size(), o.trained().stream().filter(r -> !r.skipped()).count());
        assertTrue(o.trained().stream().noneMatch(r -> before.contains(r.runId())), "committed runs not trained again");
        assertEquals(6L, spark.read().parquet(s.output() + "/runs").count());
        assertEquals(Set.copyOf(Grid.expand(s).stream().map(TrainConfig::runId).toList()), store.runIds(Tables.RUNS));
        assertEquals(firstFinished, store.read(Tables.RUNS, before.iterator().next()).get(0).getString("finished_at"),
                "the committed record was not rewritten");
        assertEquals(0, Files.walk(Path.of(s.output())).filter(p -> p.getFileName().toString().startsWith("_tmp-")).count());
    }

    /**
     * --rerun-failed trains exactly the runs that ended failed or timeout again; the others stay as
     * committed. A run compacted into the parts (as a sweep of more than 300 runs is at its end)
     * trains again too, and its new record is the one read.
     */
    @ParameterizedTest(name = "compacted: {0}")
    @ValueSource(booleans = {false, true})
    void rerunFailedTrainsOnlyFailedAndTimedOutRunsAgain(boolean compacted) throws Exception {
        SweepSpec s = SweepSpec.parse("name: t\noutput: " + dir.resolve("rerun") + "\ngrid:\n  steps: [20, 100000000]\n"
                + "trainer:\n  modulus: 11\n  d_mlp: 64\nrun_timeout_seconds: 3\n");
        groksweep.worker.Torch.engine(); // loaded before the clock starts: the 20-step run finishes within its budget
        SweepRunner.run(spark, s, SweepRunner.plan(s, false), false, line -> {});
        ResultsStore store = new ResultsStore(s.output());
        if (compacted) {
            assertEquals(2, groksweep.results.Compaction.compact(store, java.time.Duration.ZERO,
                    groksweep.results.Compaction.NO_STAGES).runs());
        }
        Map<String, String> finished = new java.util.HashMap<>();
        Map<String, String> status = new java.util.HashMap<>();
        for (var row : store.readAll(Tables.RUNS)) {
            finished.put(row.getString("run_id"), row.getString("finished_at"));
            status.put(row.getString("run_id"), row.getString("status") + "/" + row.getInt("steps"));
        }
        assertEquals(Set.of("ok/20", "timeout/100000000"), Set.copyOf(status.values()));
        assertEquals(List.of(), SweepRunner.plan(s, false).pending(), "without the flag nothing is pending");

        SweepRunner.Plan again = SweepRunner.plan(s, true);
        assertEquals(List.of(100_000_000), again.pending().stream().map(TrainConfig::steps).toList());
        SweepRunner.Outcome o = SweepRunner.run(spark, s, again, true, line -> {});
        assertEquals(1, o.trained().size());
        assertEquals(List.of(false), o.trained().stream().map(SweepRunner.RunReport::skipped).toList(), "trained, not skipped");
        List<groksweep.results.Row> now = store.readAll(Tables.RUNS);
        assertEquals(2, now.size(), "still one record per run");
        for (var row : now) {
            String id = row.getString("run_id");
            boolean retried = status.get(id).startsWith("timeout");
            assertEquals(retried, !row.getString("finished_at").equals(finished.get(id)), id + (retried ? " trained again" : " left alone"));
        }
    }

    /** Runs of one shape pack, up to the size, in longest-first order; runs of another shape (here depth) pack apart. */
    @Test
    void runsArePackedByShapeInLongestFirstOrder() {
        SweepSpec s = SweepSpec.parse("name: t\noutput: o\npack_size: 2\ngrid:\n  seed: [0, 1, 2]\n"
                + "  train_fraction: [0.3, 0.5]\n  n_layers: [1, 2]\ntrainer:\n  modulus: 11\n");
        List<TrainConfig> runs = Grid.expand(s);
        List<List<TrainConfig>> packs = SweepRunner.packs(runs, SweepRunner.packSize(s));
        assertEquals(12, packs.stream().mapToInt(List::size).sum(), "every run in one pack");
        for (List<TrainConfig> pack : packs) {
            assertTrue(pack.size() <= 2);
            assertEquals(1, pack.stream().map(TrainConfig::packKey).distinct().count(), "one shape per pack");
        }
        assertEquals(4 * 2, packs.size(), "4 shapes (fraction × depth): 3 seeds each in packs of 2 and 1");
        List<Long> firstCost = packs.stream().map(p -> Grid.cost(p.get(0))).toList();
        assertEquals(firstCost.stream().sorted(java.util.Comparator.reverseOrder()).toList(), firstCost, "longest first");
    }

    /** Without pack_size every run has a task of its own, as before packing existed. */
    @Test
    void withoutPackSizeEachRunTrainsAlone() {
        SweepSpec s = SweepSpec.parse("name: t\noutput: o\ngrid:\n  seed: [0, 1, 2]\n");
        assertEquals(1, SweepRunner.packSize(s));
        assertEquals(3, SweepRunner.packs(Grid.expand(s), SweepRunner.packSize(s)).size());
    }

    /** A packed sweep commits every run once, with the records the same runs get one per task. */
    @Test
    void aPackedSweepGivesEachRunOnceWithTheSameRecords() throws Exception {
        String runs = "grid:\n  seed: [0, 1, 2]\n  steps: [30, 40]\ntrainer:\n  modulus: 11\n  train_fraction: 0.5\n"
                + "  eval_every: 10\n  analysis_every: 20\n  d_mlp: 64\n  dtype: float64\n";
        SweepSpec packed = SweepSpec.parse("name: t\noutput: " + dir.resolve("packed") + "\npack_size: 3\n" + runs);
        SweepSpec alone = SweepSpec.parse("name: t\noutput: " + dir.resolve("alone") + "\npack_size: 1\n" + runs);
        SweepRunner.Outcome o = SweepRunner.run(spark, packed, SweepRunner.plan(packed, false), false, line -> {});
        SweepRunner.run(spark, alone, SweepRunner.plan(alone, false), false, line -> {});
        assertEquals(6, o.trained().size());
        assertTrue(o.trained().stream().allMatch(r -> r.status() == RunStatus.OK));
        for (String table : List.of("runs", "metrics")) {
            List<Row> dup = spark.read().parquet(packed.output() + "/" + table).groupBy("run_id").count()
                    .where(table.equals("runs") ? "count > 1" : "count < 4").collectAsList();
            assertEquals(List.of(), dup, table);
        }
        List<Row> a = spark.read().parquet(alone.output() + "/metrics").orderBy("run_id", "step")
                .select("run_id", "step", "train_loss", "test_loss", "test_acc").collectAsList();
        List<Row> b = spark.read().parquet(packed.output() + "/metrics").orderBy("run_id", "step")
                .select("run_id", "step", "train_loss", "test_loss", "test_acc").collectAsList();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).getString(0) + "@" + a.get(i).getInt(1), b.get(i).getString(0) + "@" + b.get(i).getInt(1));
            for (int col = 2; col < 5; col++) {
                assertEquals(a.get(i).getDouble(col), b.get(i).getDouble(col), 1e-12 * Math.abs(a.get(i).getDouble(col)),
                        a.get(i) + " vs " + b.get(i));
            }
        }
    }
}
