package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.analysis.SharedSpark;
import groksweep.config.TrainConfig;
import groksweep.results.Compaction;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.RunStatus;
import groksweep.results.RunStore;
import groksweep.results.Tables;
import groksweep.train.Trainer;
import groksweep.worker.Worker;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Searches on a shared local[2] session, with real runs: where p = 11 runs of 60 steps stop
 * memorising their train pairs as the train fraction grows (larger train sets take longer).
 */
class SearchesTest {
    static SparkSession spark;
    @TempDir Path dir;

    @BeforeAll
    static void start() {
        spark = SharedSpark.get();
    }

    static final String TRAINER = "trainer:\n  modulus: 11\n  steps: 60\n  eval_every: 10\n  analysis_every: 0\n  d_mlp: 64\n";

    SweepSpec search(String output) {
        return SweepSpec.parse("name: s\noutput: " + dir.resolve(output) + "\ngrid:\n  seed: [0, 1]\n" + TRAINER
                + "search:\n  axis: train_fraction\n  range: [0.2, 0.8]\n  resolution: 0.05\n  outcome: memorised\n");
    }

    /**
     * Each search's outcome at every lattice point, from a dense grid trained apart from the search,
     * into an output of its own (runs are deterministic on one machine, so its runs are the search's
     * as trained again, not read back from the search's files).
     */
    Map<Long, Map<Integer, Boolean>> denseGrid(SweepSpec search) throws Exception {
        String values = String.join(", ", java.util.stream.IntStream.rangeClosed(0, search.search().last())
                .mapToObj(i -> search.search().value(i).toString()).toList());
        SweepSpec oracle = search("dense-" + search.name());
        SweepSpec grid = SweepSpec.parse("name: g\noutput: " + oracle.output() + "\ngrid:\n  seed: [0, 1]\n  train_fraction: ["
                + values + "]\n" + TRAINER);
        SweepRunner.Plan plan = SweepRunner.plan(grid, false);
        assertEquals(26, plan.pending().size(), "every point trained apart");
        SweepRunner.run(spark, grid, plan, false, line -> {});
        Map<Long, Map<Integer, Boolean>> out = new TreeMap<>();
        for (BracketSearches.State s : brackets(SweepRunner.strategy(oracle, false))) {
            assertEquals(13, s.bracket().known().size(), "every point trained");
            out.put(s.base().seed(), s.bracket().known());
        }
        return out;
    }

    static ResultsStore store(SweepSpec spec) {
        return new ResultsStore(spec.output());
    }

    /** Runs a spec's searches to the end on 2 task slots, {@code onCommit} told of each run. */
    static SweepRunner.Outcome search(SweepSpec spec, java.util.function.Consumer<SweepRunner.RunReport> onCommit)
            throws Exception {
        Strategy s = SweepRunner.strategy(spec, false);
        return SweepRunner.run(spark, spec, s, s.plan(), 2, false, line -> {}, onCommit);
    }

    static List<BracketSearches.State> brackets(Strategy s) {
        return ((BracketSearches) s).states();
    }

    /**
     * --rerun-failed on a search: a failed run handed out again is untried until its rerun commits,
     * so a job that ends meanwhile (another point's) does not teach the search the old failure, and
     * what it learns of the run is the rerun's outcome; a failed run in the compacted parts too.
     */
    @ParameterizedTest(name = "compacted: {0}")
    @ValueSource(booleans = {false, true})
    void aFailedRunTrainedAgainTeachesTheSearchItsRerunsOutcome(boolean compacted) throws Exception {
        SweepSpec spec = search("rerun");
        ResultsStore files = store(spec);
        TrainConfig failed = spec.search().point(Grid.expand(spec).get(0), 0); // seed 0's low end, handed out first
        Worker.recordFailed(failed, files, 1, "failed before the rerun");
        if (compacted) {
            assertEquals(1, Compaction.compact(files, Duration.ZERO, Compaction.NO_STAGES).runs());
        }
        Searches searches = (Searches) SweepRunner.strategy(spec, true);
        RunStore runs = new RunStore(files);
        searches.update(runs);
        assertTrue(searches.next(4, Set.of()).contains(failed), "the failed run is handed out again");
        searches.update(runs); // another job ended while the rerun trains
        assertEquals(null, searches.outcome(failed.runId()), "untried while it trains again, not failed");
        Worker.Outcome rerun = Worker.run(failed, files, Worker.options().build(), new Trainer.Listener() {});
        assertEquals(RunStatus.OK, rerun.record().status());
        searches.update(runs);
        assertEquals(spec.search().category(new RunStore(files).metrics(failed.runId())), searches.outcome(failed.runId()),
                "the rerun's outcome, read from its metrics");
    }

    static Map<Long, List<Bracket.Flip>> flips(SweepRunner.Outcome o) {
        Map<Long, List<Bracket.Flip>> out = new TreeMap<>();
        brackets(o.strategy()).forEach(s -> out.put(s.base().seed(), s.bracket().flips()));
        return out;
    }

    @Test
    void aSearchFindsTheDenseGridsBoundaryWithFewerRuns() throws Exception {
        SweepSpec spec = search("out");
        SweepRunner.Outcome o = search(spec, r -> {});
        Map<Long, Map<Integer, Boolean>> grid = denseGrid(spec);
        int used = 0;
        for (BracketSearches.State s : brackets(o.strategy())) {
            Bracket dense = new Bracket(12, grid.get(s.base().seed()), Set.of());
            assertEquals(1, dense.flips().size(), "the grid's outcome is monotone for seed " + s.base().seed() + ": "
                    + dense.known());
            assertEquals(Bracket.Status.RESOLVED, s.bracket().status());
            assertEquals(dense.flips(), s.bracket().flips(), "the search's boundary is the grid's");
            for (Map.Entry<Integer, Boolean> e : s.bracket().known().entrySet()) {
                assertEquals(dense.known().get(e.getKey()), e.getValue(), "the same run, the same outcome");
            }
            used += s.runIds().size();
        }
        assertTrue(used <= 2 * 7, used + " runs for two searches of 13 points (7 at most each by k-section)");
        assertEquals(used, o.trained().size(), "each run trained once");
        String values = String.join(", ", java.util.stream.IntStream.rangeClosed(0, 12)
                .mapToObj(i -> spec.search().value(i).toString()).toList());
        SweepSpec sameOutput = SweepSpec.parse("name: g\noutput: " + spec.output() + "\ngrid:\n  seed: [0, 1]\n  train_fraction: ["
                + values + "]\n" + TRAINER);
        assertEquals(26 - used, SweepRunner.plan(sameOutput, false).pending().size(),
                "a grid in the search's output would train only the points the search did not");

        List<Row> boundaries = store(spec).read(Tables.BOUNDARIES, spec.name() + "-" + spec.hash());
        assertEquals(2, boundaries.size());
        for (Row r : boundaries) {
            BracketSearches.State s = brackets(o.strategy()).stream()
                    .filter(st -> r.getString("search").equals("seed=" + st.base().seed())).findFirst().orElseThrow();
            Bracket.Flip f = s.bracket().flips().get(0);
            assertEquals("resolved", r.getString("status"));
            assertEquals(spec.search().value(f.lower()), r.getDouble("lower"));
            assertEquals(spec.search().value(f.upper()), r.getDouble("upper"));
            assertEquals(false, r.get("outcome_above"), "memorised below the boundary, not above");
            assertEquals(s.runIds().size(), r.getInt("runs"));
            assertEquals(s.bracket().hint() != null, r.get("from_siblings"));
        }
    }

    @Test
    void aDriverStoppedMidSearchResumesAndTrainsNoRunTwice() throws Exception {
        SweepSpec spec = search("resumed");
        class Killed extends RuntimeException {}
        assertThrows(Killed.class, () -> search(spec, r -> {
            throw new Killed(); // the driver dies once a run has committed
        }));
        Set<String> first = store(spec).runIds(Tables.RUNS);
        assertTrue(!first.isEmpty(), "a run committed before the driver died");
        SweepRunner.Outcome resumed = search(spec, r -> {});
        List<String> again = new ArrayList<>();
        resumed.trained().forEach(r -> again.add(r.runId()));
        assertEquals(new HashSet<>(again).size(), again.size(), "each run trained once after the restart");
        for (String id : again) {
            assertTrue(!first.contains(id), id + " was committed before the restart and trained again");
        }
        assertEquals(flips(search(search("straight"), r -> {})), flips(resumed), "the boundaries of a search never stopped");
        for (String id : store(spec).runIds(Tables.RUNS)) {
            assertEquals(1, store(spec).read(Tables.RUNS, id).size());
        }
        assertEquals(List.of(), search(spec, r -> {}).trained(), "a finished search trains nothing");
    }

    /** A run that diverges is an outcome (it did not memorise), not a failure to step around. */
    @Test
    void aDivergedRunIsAnOutcome() throws Exception {
        SweepSpec spec = SweepSpec.parse("name: d\noutput: " + dir.resolve("diverged") + "\n" + TRAINER + "  train_fraction: 0.2\n"
                + "search:\n  axis: lr\n  range: [0.001, 1.0e30]\n  resolution: 1.0e29\n  outcome: memorised\n");
        SweepRunner.Outcome o = search(spec, r -> {});
        Bracket b = brackets(o.strategy()).get(0).bracket();
        assertEquals(Bracket.Status.RESOLVED, b.status(), b.toString());
        assertEquals(List.of(new Bracket.Flip(0, 1, true)), b.flips(), "memorised at lr 0.001, diverged from 1e29 on");
        assertEquals(Set.of(), b.failed());
        assertTrue(o.trained().stream().filter(r -> r.label().equals("diverged")).count() >= 2, o.trained().toString());
    }

    /**
     * A search over two axes (train fraction × steps, Liu et al.'s phase: memorisation where the
     * train set is fit in time, confusion where not): every point it trains has the dense grid's
     * phase, the cells where corners differ are one step wide and hold every change of phase
     * between neighbouring grid points, and it trains fewer runs than the grid.
     */
    @Test
    void aTwoAxisSearchFollowsThePhaseBoundaryOfTheDenseGrid() throws Exception {
        String trainer = "trainer:\n  modulus: 11\n  eval_every: 10\n  analysis_every: 0\n  d_mlp: 64\n";
        String search = "search:\n  axis: [train_fraction, steps]\n  range: [[0.2, 0.8], [20, 80]]\n  resolution: [0.1, 10]\n"
                + "  outcome: phase\n";
        SweepSpec spec = SweepSpec.parse("name: plane\noutput: " + dir.resolve("plane") + "\n" + trainer + search);
        SweepRunner.Outcome o = search(spec, r -> {});
        Quadtree q = ((QuadtreeSearches) o.strategy()).states().get(0).quad();
        assertEquals(Bracket.Status.RESOLVED, q.status());
        // The oracle: the dense grid trained apart, into an output of its own, and read as the search would.
        SweepSpec grid = SweepSpec.parse("name: dense\noutput: " + dir.resolve("plane-dense") + "\ngrid:\n"
                + "  train_fraction: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]\n  steps: [20, 30, 40, 50, 60, 70, 80]\n" + trainer);
        SweepRunner.Plan plan = SweepRunner.plan(grid, false);
        assertEquals(49, plan.pending().size(), "every point trained apart");
        SweepRunner.run(spark, grid, plan, false, line -> {});
        SweepSpec oracle = SweepSpec.parse("name: plane\noutput: " + dir.resolve("plane-dense") + "\n" + trainer + search);
        Map<Integer, String> dense = new TreeMap<>();
        for (Map.Entry<Integer, String> e : ((QuadtreeSearches) SweepRunner.strategy(oracle, false)).states().get(0)
                .quad().known().entrySet()) {
            dense.put(e.getKey(), e.getValue());
        }
        assertEquals(49, dense.size());
        q.known().forEach((k, v) -> assertEquals(dense.get(k), v, "point " + k));
        q.inferred().forEach((k, v) -> assertEquals(dense.get(k), v, "point " + k + ", untrained"));
        assertTrue(new HashSet<>(dense.values()).size() > 1, "the grid has a boundary: " + dense);
        List<Quadtree.Cell> mixed = q.leaves().stream().filter(c -> c.outcome().equals("mixed")).toList();
        mixed.forEach(c -> assertTrue(c.x1() - c.x0() == 1 && c.y1() - c.y0() == 1, c.toString()));
        for (int i = 0; i <= 6; i++) {
            for (int j = 0; j <= 6; j++) {
                int x = i, y = j;
                if (i < 6 && !dense.get(q.key(i, j)).equals(dense.get(q.key(i + 1, j)))) {
                    assertTrue(mixed.stream().anyMatch(c -> c.x0() == x && c.y0() <= y && y <= c.y1()), "x " + i + ", y " + j);
                }
                if (j < 6 && !dense.get(q.key(i, j)).equals(dense.get(q.key(i, j + 1)))) {
                    assertTrue(mixed.stream().anyMatch(c -> c.y0() == y && c.x0() <= x && x <= c.x1()), "x " + i + ", y " + j);
                }
            }
        }
        assertTrue(q.known().size() < 49, q.known().size() + " runs of 49");
        List<Row> cells = store(spec).read(Tables.CELLS, spec.name() + "-" + spec.hash());
        assertEquals(q.leaves().size(), cells.size(), "a row per leaf cell");
        assertEquals(mixed.size(), cells.stream().filter(r -> r.getString("cell").equals("mixed")).count());
    }
}
