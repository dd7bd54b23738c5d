package groksweep.sweep;

import groksweep.config.ConfigException;
import groksweep.config.Secrets;
import groksweep.config.TrainConfig;
import groksweep.results.Attempts;
import groksweep.results.Compaction;
import groksweep.results.Layout;
import groksweep.results.OutputToken;
import groksweep.results.ResultsStore;
import groksweep.results.RunRecord;
import groksweep.results.RunStatus;
import groksweep.results.Tables;
import groksweep.worker.Worker;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs a sweep on Spark: one partition per pack of pending runs ({@link #packs}), longest first.
 * Executors train with the trainer-worker and commit each run's Parquet files themselves as it
 * ends; the driver only sees small status records. A run already committed is never trained
 * again, by this sweep or a rerun.
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

    /** The plan: every run of the grid, those still to train, and what they will cost (null: not estimated). */
    public record Plan(List<TrainConfig> runs, List<TrainConfig> pending, Estimate estimate) {
        /** This plan with its cost estimated: the status line's ETA starts from it. */
        public Plan with(Estimate e) {
            return new Plan(runs, pending, e);
        }
    }

    /** What a finished sweep did. */
    public record Outcome(Plan plan, List<RunReport> trained, double seconds) {}

    private SweepRunner() {}

    /** The runs of {@code spec} not yet committed under its output (with failed ones when asked). */
    public static Plan plan(SweepSpec spec, boolean rerunFailed) throws IOException {
        List<TrainConfig> runs = Grid.expand(spec);
        ResultsStore store = new ResultsStore(spec.output(), spec.hadoopConfiguration());
        Set<String> committed = store.runIds(Tables.RUNS);
        Set<String> retryable = rerunFailed ? retryable(store) : Set.of();
        List<TrainConfig> pending = new ArrayList<>();
        for (TrainConfig c : runs) {
            if (!committed.contains(c.runId()) || retryable.contains(c.runId())) {
                pending.add(c);
            }
        }
        return new Plan(runs, pending, null);
    }

    /** Trains the plan's pending runs; {@code progress} gets a status line now and then. */
    public static Outcome run(SparkSession spark, SweepSpec spec, Plan plan, boolean rerunFailed,
            Consumer<String> progress) throws IOException {
        long start = System.nanoTime();
        ResultsStore store = new ResultsStore(spec.output(),
                SweepSpec.withSettings(spark.sparkContext().hadoopConfiguration(), spec.hadoopSettings()));
        store.writeBytes(Layout.spec(spec.name(), spec.hash()),
                ("# groksweep sweep spec, resolved; sha256 prefix " + spec.hash() + "\n" + spec.canonical())
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<RunReport> trained = new ArrayList<>();
        if (!plan.pending().isEmpty()) {
            trained = train(spark, spec, plan, rerunFailed, store, progress);
        }
        Attempts.tidy(store);
        int removed = store.sweepTemporaries();
        if (removed > 0) {
            LOG.info("removed {} leftover temporary files under {}", removed, store.root());
        }
        return new Outcome(plan, trained, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Fans the pending runs out, one task per pack. Every task first checks that it sees the
     * driver's {@link OutputToken} under the output; a task that does not trains nothing, and the
     * sweep stops at once with one line ({@link ConfigException}) naming the executor.
     */
    private static List<RunReport> train(SparkSession spark, SweepSpec spec, Plan plan, boolean rerunFailed,
            ResultsStore store, Consumer<String> progress) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        LongAccumulator done = sc.sc().longAccumulator("runs done");
        LongAccumulator failed = sc.sc().longAccumulator("runs failed");
        CollectionAccumulator<OutputToken.Refusal> refusals = sc.sc().collectionAccumulator("output refusals");
        String group = "groksweep-" + spec.name() + "-" + spec.hash();
        sc.setJobGroup(group, "groksweep sweep " + spec.name() + ": " + plan.pending().size() + " runs", true);
        OutputToken token = OutputToken.write(store);
        Task task = new Task(store.uri().toString(), spec.hadoopSettings(), token, spec.threadsPerRun(),
                spec.runTimeoutSeconds(), spec.checkpointEvery(), spec.device(), rerunFailed, done, failed, refusals);
        int packSize = packSize(spec);
        Progress line = new Progress(spec.name(), plan.pending().size(),
                plan.estimate() == null ? Double.NaN : plan.estimate().wallSeconds());
        ExecutorLosses losses = new ExecutorLosses(store, sc.sc().applicationId());
        sc.sc().addSparkListener(losses);
        List<RunReport> trained = new ArrayList<>();
        boolean gone = false;
        try {
            List<TrainConfig> pending = plan.pending();
            for (int job = 0; ; job++) {
                List<List<TrainConfig>> packs = packs(pending, packSize);
                LOG.info("{} runs in {} tasks", pending.size(), packs.size());
                JavaFutureAction<List<RunReport>> async = sc.parallelize(packs, packs.size()).mapPartitions(task::train)
                        .collectAsync();
                try {
                    gone = await(async, sc, group, store, token, refusals, line, done, failed, packSize, plan, progress);
                    if (!gone) {
                        trained.addAll(async.get());
                    }
                    break;
                } catch (ExecutionException e) {
                    if (token.gone(store)) {
                        throw new OutputToken.Gone(spec.output(), token.name());
                    }
                    List<TrainConfig> left = uncommitted(store, pending);
                    if (!lostExecutors(e) || job == RESUBMITS) {
                        throw new IllegalStateException("sweep " + spec.name() + " failed: " + e.getCause().getMessage(),
                                e.getCause());
                    }
                    // Spark gave up on a task whose executors kept dying: its runs' attempts are in their
                    // markers, which decide, in a new job, which runs train again and which crash.
                    LOG.warn("a task lost its executor spark.task.maxFailures times; training the {} runs not yet"
                            + " committed in a new job ({} of at most {})", left.size(), job + 1, RESUBMITS);
                    trained.addAll(reports(store, pending, left));
                    pending = left;
                    if (left.isEmpty()) {
                        break;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted; rerun the same command to resume");
        } finally {
            sc.sc().removeSparkListener(losses);
            sc.clearJobGroup();
            token.remove(store);
        }
        if (gone) {
            throw new OutputToken.Gone(spec.output(), token.name());
        }
        if (!refusals.isZero()) {
            throw new ConfigException(refusals.value().get(0).message("output", spec.output()) + "; " + (done.value() == 0 ? "no run was trained"
                    : done.value() + " runs trained by executors that see it are committed there"));
        }
        return trained;
    }

    /** New jobs a sweep starts for runs whose task Spark gave up on after lost executors. */
    static final int RESUBMITS = 3;

    /**
     * Waits for one job, printing the status line; returns whether the output's token went (the job
     * then cancelled), and throws what the job threw.
     */
    private static boolean await(JavaFutureAction<List<RunReport>> job, JavaSparkContext sc, String group,
            ResultsStore store, OutputToken token, CollectionAccumulator<OutputToken.Refusal> refusals, Progress line,
            LongAccumulator done, LongAccumulator failed, int packSize, Plan plan, Consumer<String> progress)
            throws InterruptedException, ExecutionException {
        boolean gone = false;
        try {
            while (true) {
                try {
                    job.get(2, TimeUnit.SECONDS);
                    break;
                } catch (TimeoutException e) {
                    gone = token.gone(store);
                    if (gone || !refusals.isZero()) {
                        job.cancel(true);
                        break;
                    }
                    // Runs in the running tasks; a task's runs count as done when it ends.
                    long running = Math.min((long) running(sc, group) * packSize, plan.pending().size() - done.value());
                    line.update(done.value(), failed.value(), running).ifPresent(progress);
                }
            }
        } catch (InterruptedException e) {
            job.cancel(true);
            throw e;
        }
        gone = gone || !refusals.isZero() && token.gone(store); // a task refused: the token may be gone for all
        if (job.isCancelled()) {
            settle(sc, group);
        }
        return gone;
    }

    /** Whether a job failed because its task's executors were lost (Spark's ExecutorLostFailure), not for a run's error. */
    static boolean lostExecutors(ExecutionException e) {
        return String.valueOf(e.getCause() == null ? null : e.getCause().getMessage()).contains("ExecutorLostFailure");
    }

    /** What a failed job trained: the records of {@code runs} committed under the output, {@code left} aside. */
    private static List<RunReport> reports(ResultsStore store, List<TrainConfig> runs, List<TrainConfig> left)
            throws IOException {
        Set<String> notDone = new java.util.HashSet<>(left.stream().map(TrainConfig::runId).toList());
        List<RunReport> out = new ArrayList<>();
        for (TrainConfig c : runs) {
            if (!notDone.contains(c.runId())) {
                groksweep.results.Row r = store.read(Tables.RUNS, c.runId()).get(0);
                out.add(new RunReport(c.runId(), RunStatus.of(r.getString("status")), r.getInt("final_step"), null,
                        (Double) r.get("final_test_acc"), r.getDouble("wall_seconds")));
            }
        }
        return out;
    }

    /** The runs of {@code runs} not committed under the output, in their order. */
    private static List<TrainConfig> uncommitted(ResultsStore store, List<TrainConfig> runs) {
        try {
            Set<String> committed = store.runIds(Tables.RUNS);
            return runs.stream().filter(c -> !committed.contains(c.runId())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    /**
     * Waits, up to a minute, until the cancelled tasks of {@code group} have ended: a task notices
     * its cancellation at its next step, and until then it may still write (an attempt's marker), so
     * a sweep that returns first could leave a write under an output it has just given up.
     */
    private static void settle(JavaSparkContext sc, String group) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (running(sc, group) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private static int running(JavaSparkContext sc, String group) {
        int running = 0;
        for (int jobId : sc.statusTracker().getJobIdsForGroup(group)) {
            var job = sc.statusTracker().getJobInfo(jobId);
            if (job == null) {
                continue;
            }
            for (int stageId : job.stageIds()) {
                var stage = sc.statusTracker().getStageInfo(stageId);
                running += stage == null ? 0 : stage.numActiveTasks();
            }
        }
        return running;
    }

    /** Whether the run's per-run record says it failed or timed out; an unreadable one is as good as none. */
    static boolean retryable(ResultsStore store, String runId) {
        try {
            return RunStatus.of(store.read(Tables.RUNS, runId).get(0).getString("status")).retryable();
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /**
     * The committed runs that failed or timed out, read from per-run files and compacted parts
     * alike. A per-run record that cannot be read is as good as none: its run trains again.
     */
    static Set<String> retryable(ResultsStore store) throws IOException {
        Set<String> out = new java.util.HashSet<>(store.runIds(Tables.RUNS));
        try {
            for (groksweep.results.Row r : store.readAll(Tables.RUNS)) {
                if (!RunStatus.of(r.getString("status")).retryable()) {
                    out.remove(r.getString("run_id"));
                }
            }
        } catch (IOException | RuntimeException e) { // some record unreadable: read them one by one
            out.removeIf(id -> !retryable(store, id));
        }
        return out;
    }

    /** The executor side, shipped to each task: trains its partition's runs. */
    record Task(String root, Map<String, String> hadoop, OutputToken token, int threads, long timeoutSeconds,
            int checkpointEvery, String device, boolean rerunFailed, LongAccumulator done, LongAccumulator failed,
            CollectionAccumulator<OutputToken.Refusal> refusals) implements Serializable {

        @Override
        public String toString() { // the Hadoop settings may hold credentials
            return "Task[root=" + root + ", hadoop=" + Secrets.redact(hadoop) + ", threads=" + threads + "]";
        }

        Iterator<RunReport> train(Iterator<List<TrainConfig>> packs) {
            List<RunReport> out = new ArrayList<>();
            // The executor's Hadoop configuration and the spec's settings (endpoints, credentials).
            ResultsStore store = new ResultsStore(root,
                    SweepSpec.withSettings(SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf()), hadoop));
            SparkEnv env = SparkEnv.get();
            var refusal = token.check(store, env.executorId(), env.blockManager().blockManagerId().host());
            if (refusal.isPresent()) { // not the driver's output: train nothing, and say where
                refusals.add(refusal.get());
                return out.iterator();
            }
            while (packs.hasNext()) {
                trainPack(store, packs.next(), out);
            }
            return out.iterator();
        }

        private void trainPack(ResultsStore store, List<TrainConfig> pack, List<RunReport> out) {
            String app = SparkEnv.get().conf().getAppId();
            List<TrainConfig> todo = new ArrayList<>();
            boolean split = false; // a pack that lost its executor: its runs one at a time, so a crashing run dies alone
            for (TrainConfig c : pack) {
                if (committed(store, c)) { // a retried or speculative task: never train a run twice
                    out.add(new RunReport(c.runId(), null, 0, null, null, 0));
                    continue;
                }
                Attempts.Verdict verdict = Attempts.verdict(lost(store, app, c));
                if (verdict instanceof Attempts.Condemn condemned) {
                    LOG.warn("run {} {}", c.runId(), condemned.message());
                    Worker.Outcome o = Worker.recordFailed(c, store, threads, condemned.message());
                    clear(store, List.of(c));
                    done.add(1);
                    failed.add(1);
                    out.add(new RunReport(c.runId(), o.record().status(), 0, null, null, 0));
                } else {
                    split |= ((Attempts.Train) verdict).alone();
                    todo.add(c);
                }
            }
            if (split && todo.size() > 1) {
                for (TrainConfig c : todo) {
                    if (!committed(store, c)) {
                        train(store, List.of(c), app, out);
                    }
                }
            } else if (!todo.isEmpty()) {
                train(store, todo, app, out);
            }
        }

        /**
         * Trains {@code todo} as one pack, its attempt marked for each run until it commits; a killed
         * task (cancelled, not lost) removes its markers, as its executor did not die.
         */
        private void train(ResultsStore store, List<TrainConfig> todo, String app, List<RunReport> out) {
            List<Attempts.Marker> markers = new ArrayList<>();
            String executor = SparkEnv.get().executorId();
            try {
                for (TrainConfig c : todo) {
                    markers.add(Attempts.mark(store, app, c.runId(), todo.size() == 1, executor));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            TaskContext ctx = TaskContext.get();
            Worker.Options options = Worker.options().threads(threads).timeoutSeconds(timeoutSeconds)
                    .checkpointEvery(checkpointEvery).device(device).abandon(() -> ctx != null && ctx.isInterrupted())
                    .build();
            List<Worker.Outcome> outcomes = Worker.run(todo, store, options, seen(store, markers, todo), outcome -> {
                done.add(1); // as each run commits, so the status line moves while its packmates train
                if (outcome.record().status() != RunStatus.OK) {
                    failed.add(1);
                }
            });
            for (int i = 0; i < todo.size(); i++) {
                Worker.Outcome outcome = outcomes.get(i);
                if (outcome == null) { // the task was killed: nothing committed, a rerun trains it
                    try {
                        for (Attempts.Marker m : markers) {
                            m.remove(store);
                        }
                    } catch (IOException e) {
                        LOG.warn("cannot remove the attempt markers of a cancelled task: {}", e.getMessage());
                    }
                    throw new IllegalStateException("run " + todo.get(i).runId() + " abandoned: task killed");
                }
                RunRecord r = outcome.record();
                out.add(new RunReport(r.runId(), r.status(), r.finalStep(),
                        outcome.onsets() == null ? null : outcome.onsets().grokked(), r.finalTestAcc(), r.wallSeconds()));
            }
            clear(store, todo);
        }

        private static void clear(ResultsStore store, List<TrainConfig> runs) {
            try {
                Attempts.clear(store, runs.stream().map(TrainConfig::runId).toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Notes the step reached in the attempt's markers ({@link Attempts.Marker#seen}); and the
         * test-only fault hook: with {@code GROKSWEEP_FAULT_HALT=<run_id>@<step>} in the executor's
         * environment (unset: off), an attempt training that run halts its JVM at that step, as a
         * native crash or the kernel's OOM killer would.
         */
        private static groksweep.train.Trainer.Listener seen(ResultsStore store, List<Attempts.Marker> markers,
                List<TrainConfig> todo) {
            String fault = System.getenv("GROKSWEEP_FAULT_HALT");
            int haltAt = fault != null && todo.stream().anyMatch(c -> fault.startsWith(c.runId() + "@"))
                    ? Integer.parseInt(fault.substring(fault.indexOf('@') + 1)) : -1;
            return new groksweep.train.Trainer.Listener() {
                @Override
                public void onMetrics(groksweep.train.MetricRow row) {
                    note(row.step());
                    if (haltAt >= 0 && row.step() >= haltAt) {
                        Runtime.getRuntime().halt(137);
                    }
                }

                @Override
                public void afterUpdate(int step, java.util.function.Supplier<groksweep.train.Trainer.Resumed> state) {
                    note(step);
                }

                private void note(int step) {
                    try {
                        for (Attempts.Marker m : markers) {
                            m.seen(store, step);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        }

        private static List<Attempts.Attempt> lost(ResultsStore store, String app, TrainConfig c) {
            try {
                return Attempts.lost(store, app, c.runId());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Whether the run is committed and not to be trained again (a failed one is, with --rerun-failed, once). */
        private boolean committed(ResultsStore store, TrainConfig c) {
            try {
                boolean perRun = store.exists(Layout.run(Tables.RUNS, c.runId()));
                boolean committed = perRun || Compaction.manifest(store).runs().contains(c.runId());
                return committed && !(rerunFailed && perRun && retryable(store, c.runId()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
