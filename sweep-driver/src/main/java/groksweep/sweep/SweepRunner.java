package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.results.Attempts;
import groksweep.results.Layout;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.RunStatus;
import groksweep.results.RunStore;
import groksweep.worker.RunMemory;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The one sweep loop, for grids and searches alike: whenever a task slot is free it asks the
 * sweep's {@link Strategy} for runs and hands them to the {@link Scheduler}; as each job ends, the
 * strategy reads the run store again and may propose more. There are no rounds: a slot that frees
 * trains the next point of any search at once. What the sweep knows is read from committed runs
 * alone, so a killed driver resumes where it was, and a run is never trained twice.
 */
public final class SweepRunner {
    private static final Logger LOG = LogManager.getLogger(SweepRunner.class);

    /** What one task reports back of a run; {@code status} is null when it was already committed (skipped). */
    public record RunReport(String runId, RunStatus status, int finalStep, Integer grokkedStep, Double finalTestAcc,
            double seconds) implements Serializable {

        public boolean skipped() {
            return status == null;
        }

        /** The status as printed: its value, or "skipped". */
        public String label() {
            return skipped() ? "skipped" : status.value();
        }
    }

    /** The plan of a grid: every run, those still to train, and what they will cost (null: not estimated). */
    public record Plan(List<TrainConfig> runs, List<TrainConfig> pending, Estimate estimate) {
        /** This plan with its cost estimated: the status line's ETA starts from it. */
        public Plan with(Estimate e) {
            return new Plan(runs, pending, e);
        }
    }

    /**
     * What a finished sweep did: the runs it trained (skipped ones included), the strategy as it
     * ended with its table's rows and the runs it rests on, and how busy its task slots were (busy
     * slot-seconds over slots × wall seconds).
     */
    public record Outcome(Plan plan, List<RunReport> trained, Strategy strategy, List<Row> rows, int used, double seconds,
            double utilisation) {}

    /**
     * A sweep ready to train, as its output now stands: its strategy, its plan (estimated when it
     * could be), the task slots it expects, and the lines printed before it trains: the plan, and
     * the estimate (null when nothing is left to train).
     */
    public record Prepared(SweepSpec spec, Strategy strategy, Plan plan, int slots, String description, String estimate) {
        /** The runs it expects to train, for the live report's and the status line's counts. */
        public int expectedRuns() {
            return (int) Math.round(strategy.expectedShare() * plan.runs().size());
        }
    }

    private SweepRunner() {}

    /** The runs of {@code spec}'s grid not yet committed under its output (with failed ones when asked). */
    public static Plan plan(SweepSpec spec, boolean rerunFailed) throws IOException {
        List<TrainConfig> runs = Grid.expand(spec);
        RunStore store = new RunStore(new ResultsStore(spec.output(), spec.hadoopConfiguration()));
        Set<String> committed = store.committed();
        Set<String> retry = rerunFailed ? store.retryable() : Set.of();
        List<TrainConfig> pending = runs.stream()
                .filter(c -> !committed.contains(c.runId()) || retry.contains(c.runId())).toList();
        return new Plan(runs, pending, null);
    }

    /** The strategy of a spec, as its output now stands: its searches, or its grid's plan. */
    public static Strategy strategy(SweepSpec spec, boolean rerunFailed) throws IOException {
        if (spec.search() == null) {
            return new GridStrategy(plan(spec, rerunFailed));
        }
        RunStore runs = new RunStore(new ResultsStore(spec.output(), spec.hadoopConfiguration()));
        Strategy searches = Searches.of(spec, rerunFailed ? runs.retryable() : Set.of());
        searches.update(runs);
        return searches;
    }

    /**
     * Prepares a sweep: its strategy as the output now stands, the plan's runs checked against this
     * machine's memory when they train here ({@code checkMemory}), described, and its cost estimated
     * by timing its run shapes for {@code calibration} ({@code concurrent} of them at once).
     */
    public static Prepared prepare(SweepSpec spec, boolean rerunFailed, boolean checkMemory, int slots, int concurrent,
            Duration calibration) throws IOException {
        Strategy strategy = strategy(spec, rerunFailed);
        Plan plan = strategy.plan();
        if (checkMemory) { // on a cluster, each executor checks its runs against its own memory
            long available = RunMemory.available();
            Set<String> shapes = new HashSet<>(); // runs of one shape need the same memory
            plan.pending().stream().filter(c -> shapes.add(c.packKey())).forEach(c -> RunMemory.check(c, available));
        }
        String description = spec.search() == null ? describe(spec, plan) : describeSearch(spec, strategy, slots);
        String estimate = null;
        if (!plan.pending().isEmpty()) {
            try {
                Estimate e = Estimate.of(spec, plan.pending(), slots, concurrent, calibration);
                plan = plan.with(e);
                double share = strategy.expectedShare();
                estimate = spec.search() == null ? e.line() : String.format("estimate: the search about %.3g core-hours"
                        + " (%.0f%% of the dense grid's %.3g)", e.coreHours() * share, 100 * share, e.coreHours());
            } catch (RuntimeException e) { // the sweep itself may still run, e.g. on executors unlike this machine
                estimate = "estimate: not available (" + e.getMessage() + ")";
            }
        }
        return new Prepared(spec, strategy, plan, slots, description, estimate);
    }

    /** The plan as printed before a sweep: its counts, then its first runs (longest first). */
    public static String describe(SweepSpec sweep, Plan plan) {
        StringBuilder s = new StringBuilder();
        long cost = plan.runs().stream().mapToLong(Grid::cost).sum();
        long pendingCost = plan.pending().stream().mapToLong(Grid::cost).sum();
        s.append(String.format("sweep %s (spec sha256 %s): %d runs, %d to train (%.0f%% of the cost), output %s%n",
                sweep.name(), sweep.hash(), plan.runs().size(), plan.pending().size(),
                cost == 0 ? 0.0 : 100.0 * pendingCost / cost, sweep.output()));
        List<String> axes = sweep.axes();
        s.append(String.format("  %-16s %s %10s%n", "run_id", String.join(" ", axes.stream().map(a -> String.format("%14s", a)).toList()), "rel. cost"));
        long max = plan.runs().stream().mapToLong(Grid::cost).max().orElse(1);
        for (TrainConfig c : plan.runs().subList(0, Math.min(10, plan.runs().size()))) {
            Map<String, Object> m = new TreeMap<>(c.toMap());
            s.append(String.format("  %-16s %s %10.2f%n", c.runId(),
                    String.join(" ", axes.stream().map(a -> String.format("%14s", m.get(a))).toList()),
                    Grid.cost(c) / (double) max));
        }
        if (plan.runs().size() > 10) {
            s.append("  ... ").append(plan.runs().size() - 10).append(" more\n");
        }
        return s.toString().stripTrailing();
    }

    /** A search's plan as printed: its searches, the dense grid they replace, and what they are expected to train. */
    private static String describeSearch(SweepSpec sweep, Strategy strategy, int slots) {
        Search search = sweep.search();
        int searches = Grid.expand(sweep).size();
        int dense = strategy.plan().runs().size();
        String over = String.join(" × ", search.axes().stream().map(a -> a.axis() + " over [" + a.lo().toPlainString()
                + ", " + a.hi().toPlainString() + "] by " + a.resolution().toPlainString()).toList());
        double expected = strategy.expectedShare() * dense;
        return String.format("sweep %s (spec sha256 %s): %d search%s of %s (%d points each) for %s, output %s%n"
                + "search: at most %d runs (the dense grid's); expected %.0f (%.1f per search) when %s, on %d task slot%s"
                + " (each trains the next point of any search as soon as it is free); %d committed runs already used",
                sweep.name(), sweep.hash(), searches, searches == 1 ? "" : "es", over, dense / searches,
                search.outcome().key(), sweep.output(), dense, expected, expected / searches,
                search.plane() ? "one straight boundary crosses each plane (a coarse grid, then the cells it runs"
                        + " through split to one step)" : "the outcome is monotone (bisection; a search whose siblings"
                        + " found theirs starts there and needs fewer)", slots, slots == 1 ? "" : "s", strategy.used());
    }

    /**
     * Trains a prepared sweep on Spark; {@code lines} gets the status line now and then and, for
     * searches, a line as each run commits.
     */
    public static Outcome run(SparkSession spark, Prepared p, boolean rerunFailed, Consumer<String> lines)
            throws IOException {
        Strategy s = p.strategy();
        Consumer<RunReport> onCommit = p.spec().search() == null ? r -> {} : r -> lines.accept(String.format(
                "[search %s] run %s %s in %s (%s); %d runs used", p.spec().name(), r.runId(), r.label(),
                Progress.duration(r.seconds()), s.describe(r.runId()), s.used()));
        return run(spark, p.spec(), s, p.plan(), p.slots(), rerunFailed, lines, onCommit);
    }

    /** Trains a grid's pending runs; {@code progress} gets a status line now and then. */
    public static Outcome run(SparkSession spark, SweepSpec spec, Plan plan, boolean rerunFailed,
            Consumer<String> progress) throws IOException {
        return run(spark, spec, new GridStrategy(plan), plan, slots(spark, spec), rerunFailed, progress, report -> {});
    }

    /** The task slots Spark has now: its default parallelism (cores) over the threads per run. */
    public static int slots(SparkSession spark, SweepSpec spec) {
        return Math.max(1, spark.sparkContext().defaultParallelism() / spec.threadsPerRun());
    }

    /**
     * Runs a sweep on Spark: {@code slots} task slots, {@code onCommit} told of every run as its
     * job ends (a search's progress, printed by the CLI).
     */
    public static Outcome run(SparkSession spark, SweepSpec spec, Strategy strategy, Plan plan, int slots,
            boolean rerunFailed, Consumer<String> progress, Consumer<RunReport> onCommit) throws IOException {
        long start = System.nanoTime();
        ResultsStore files = new ResultsStore(spec.output(),
                SweepSpec.withSettings(spark.sparkContext().hadoopConfiguration(), spec.hadoopSettings()));
        files.writeBytes(Layout.spec(spec.name(), spec.hash()),
                ("# groksweep sweep spec, resolved; sha256 prefix " + spec.hash() + "\n" + spec.canonical())
                        .getBytes(StandardCharsets.UTF_8));
        RunStore runs = new RunStore(files);
        List<RunReport> trained;
        double busy;
        int held;
        double share = strategy.expectedShare(); // the status line counts towards the runs expected
        try (SparkScheduler scheduler = new SparkScheduler(spark, spec, files, rerunFailed,
                (int) Math.round(share * plan.pending().size()),
                plan.estimate() == null ? Double.NaN : share * plan.estimate().wallSeconds(), progress)) {
            // the cluster's cores as its executors register, where the configuration did not say
            IntSupplier live = () -> Math.max(slots, slots(spark, spec));
            trained = loop(strategy, scheduler, runs, live, onCommit);
            busy = scheduler.busySeconds();
            held = live.getAsInt();
        }
        Attempts.tidy(files);
        int removed = files.sweepTemporaries();
        if (removed > 0) {
            LOG.info("removed {} leftover temporary files under {}", removed, files.root());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Outcome(plan, trained, strategy, strategy.rows(), strategy.used(), seconds, busy / (held * seconds));
    }

    /**
     * The loop: while the strategy has runs to train and a slot is free, the slot trains one; as
     * each job ends the strategy reads the store again. A run handed out twice means its job ended
     * without committing it, which is an error, not a reason to train it again. {@code slots} is
     * asked before each hand-out: a cluster's executors register after the loop starts.
     */
    public static List<RunReport> loop(Strategy strategy, Scheduler scheduler, RunStore runs, IntSupplier slots,
            Consumer<RunReport> onCommit) throws IOException {
        strategy.update(runs);
        strategy.publish(runs);
        Set<String> handed = new HashSet<>();
        List<RunReport> trained = new ArrayList<>();
        while (true) {
            List<TrainConfig> next = strategy.next(Math.max(0, slots.getAsInt() - scheduler.busy()), scheduler.inFlight());
            for (TrainConfig c : next) {
                if (!handed.add(c.runId())) {
                    throw new IllegalStateException("run " + c.runId() + " ended without committing; rerun the same"
                            + " command to resume");
                }
            }
            if (strategy.oneJob() && !next.isEmpty()) {
                scheduler.submit(next);
            } else {
                for (TrainConfig c : next) {
                    scheduler.submit(List.of(c));
                }
            }
            if (scheduler.inFlight().isEmpty()) {
                return trained;
            }
            List<RunReport> ended = scheduler.awaitAny();
            trained.addAll(ended);
            strategy.update(runs);
            strategy.publish(runs);
            ended.forEach(onCommit);
        }
    }

    /**
     * The spec's {@code pack_size}, or 1 when it has none: on a CPU, packing measured no faster than
     * one run per task (docs/PERFORMANCE.md, "Packed runs"), so it is asked for, e.g. on GPUs.
     */
    static int packSize(SweepSpec spec) {
        return spec.packSize() > 0 ? spec.packSize() : 1;
    }

    /**
     * The runs in packs of at most {@code size} that share a {@link TrainConfig#packKey}. Packs come
     * in the order of their first run, so longest first stays longest first.
     */
    static List<List<TrainConfig>> packs(List<TrainConfig> runs, int size) {
        List<List<TrainConfig>> out = new ArrayList<>();
        Map<String, List<TrainConfig>> open = new java.util.HashMap<>();
        for (TrainConfig c : runs) {
            String key = c.packKey();
            List<TrainConfig> pack = open.computeIfAbsent(key, k -> {
                List<TrainConfig> fresh = new ArrayList<>();
                out.add(fresh);
                return fresh;
            });
            pack.add(c);
            if (pack.size() == size) {
                open.remove(key);
            }
        }
        return out;
    }
}
