package groksweep.bench;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.RunStatus;
import groksweep.results.RunStore;
import groksweep.results.Tables;
import groksweep.sweep.Scheduler;
import groksweep.sweep.Strategy;
import groksweep.sweep.SweepRunner;
import groksweep.sweep.SweepSpec;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A one-axis search replayed on a dense grid's runs: what the search would have trained, at the
 * spec's resolution and coarser ones, against the grid at each. The grid's runs are the oracle:
 * as the search asks for a point, the run's files are copied from the grid's output into a
 * fresh one, and the search reads them there as if it had trained the run (one slot, so the
 * replay is deterministic). Runs, work (steps × train pairs) and core-seconds are summed from
 * the grid's run records; with and without seeds sharing their boundaries.
 */
final class SearchReplay {
    private SearchReplay() {}

    /** One replay's sums. */
    record Sums(int runs, double work, double seconds, List<Row> boundaries) {}

    /** Prints, per resolution (the spec's × 8, 4, 2, 1), the search's runs, work and core-seconds against the grid's. */
    static void print(String specText, String denseOutput, Path scratch) throws IOException {
        RunStore dense = new RunStore(new ResultsStore(denseOutput));
        Map<String, Row> records = new HashMap<>();
        for (Row r : dense.files().readAll(Tables.RUNS)) {
            records.put(r.getString("run_id"), r);
        }
        System.out.printf("%-10s %7s %-9s %13s %13s %13s %13s%n", "resolution", "points", "sharing", "runs",
                "of runs", "of work", "of core-s");
        BigDecimal resolution = SweepSpec.parse(specText).search().resolution();
        for (int every : new int[] {8, 4, 2, 1}) {
            BigDecimal coarse = resolution.multiply(BigDecimal.valueOf(every));
            String text = specText.replaceFirst("(?m)^(\\s+resolution:\\s*)\\S+", "$1" + coarse.toPlainString());
            for (boolean sharing : new boolean[] {false, true}) {
                String t = sharing ? text : text.replaceFirst("(?m)^(\\s+outcome:.*)$", "$1\n  replicates: []");
                Path out = Files.createTempDirectory(scratch, "replay");
                SweepSpec spec = SweepSpec.parse(t).withOutput(out.toString());
                Strategy strategy = SweepRunner.strategy(spec, false);
                List<TrainConfig> grid = strategy.plan().runs();
                Sums search = replay(spec, strategy, dense, records);
                Sums all = sums(grid, records);
                System.out.printf("%-10s %7d %-9s %6d / %-4d %12.0f%% %12.0f%% %12.0f%%%n", coarse.toPlainString(),
                        grid.size() / groksweep.sweep.Grid.expand(spec).size(), sharing ? "seeds" : "none", search.runs(),
                        all.runs(), 100.0 * search.runs() / all.runs(), 100 * search.work() / all.work(),
                        100 * search.seconds() / all.seconds());
            }
        }
    }

    private static Sums sums(List<TrainConfig> runs, Map<String, Row> records) {
        double work = 0, seconds = 0;
        for (TrainConfig c : runs) {
            Row r = records.get(c.runId());
            if (r == null) {
                throw new IllegalArgumentException("run " + c.runId() + " (" + c.toMap() + ") is not in the grid's output;"
                        + " expected a dense grid over every point of the search");
            }
            work += (double) r.getInt("final_step") * c.trainPairs();
            seconds += r.getDouble("wall_seconds");
        }
        return new Sums(runs.size(), work, seconds, List.of());
    }

    private static Sums replay(SweepSpec spec, Strategy strategy, RunStore dense, Map<String, Row> records)
            throws IOException {
        RunStore replayed = new RunStore(new ResultsStore(spec.output()));
        Oracle oracle = new Oracle(dense, replayed, records);
        SweepRunner.loop(strategy, oracle, replayed, 1, r -> {});
        Sums s = sums(oracle.trained, records);
        return new Sums(s.runs(), s.work(), s.seconds(), strategy.rows());
    }

    /** "Trains" a run by copying its record and metrics from the grid's output. */
    private static final class Oracle implements Scheduler {
        final RunStore from;
        final RunStore to;
        final Map<String, Row> records;
        final Deque<TrainConfig> queue = new ArrayDeque<>();
        final List<TrainConfig> trained = new ArrayList<>();

        Oracle(RunStore from, RunStore to, Map<String, Row> records) {
            this.from = from;
            this.to = to;
            this.records = records;
        }

        @Override
        public void submit(List<TrainConfig> runs) {
            queue.addAll(runs);
        }

        @Override
        public List<SweepRunner.RunReport> awaitAny() throws IOException {
            TrainConfig c = queue.removeFirst();
            Row record = records.get(c.runId());
            if (record == null) {
                throw new IllegalArgumentException("run " + c.runId() + " is not in the grid's output; expected a dense"
                        + " grid over every point of the search");
            }
            to.files().write(Tables.METRICS, c.runId(), from.metrics(c.runId()));
            to.files().write(Tables.RUNS, c.runId(), List.of(record));
            trained.add(c);
            return List.of(new SweepRunner.RunReport(c.runId(), RunStatus.of(record.getString("status")), 0, null,
                    null, record.getDouble("wall_seconds")));
        }

        @Override
        public Set<String> inFlight() {
            Set<String> out = new HashSet<>();
            queue.forEach(c -> out.add(c.runId()));
            return out;
        }

        @Override
        public int busy() {
            return queue.size();
        }

        @Override
        public double busySeconds() {
            return 0;
        }
    }
}
