package groksweep.sweep;

import groksweep.config.Secrets;
import groksweep.config.TrainConfig;
import groksweep.results.Compaction;
import groksweep.results.ResultsStore;
import groksweep.results.RunRecord;
import groksweep.results.RunStatus;
import groksweep.results.Tables;
import groksweep.train.Trainer;
import groksweep.worker.Worker;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
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
 * Runs a sweep on Spark: one partition per pending run, longest first. Executors train with the
 * trainer-worker and commit each run's Parquet files themselves; the driver only sees small
 * status records. A run already committed is never trained again, by this sweep or a rerun.
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

    /** The plan: every run of the grid, and those still to train. */
    public record Plan(List<TrainConfig> runs, List<TrainConfig> pending) {}

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
        return new Plan(runs, pending);
    }

    /** Trains the plan's pending runs; {@code progress} gets a status line now and then. */
    public static Outcome run(SparkSession spark, SweepSpec spec, Plan plan, boolean rerunFailed,
            Consumer<String> progress) throws IOException {
        long start = System.nanoTime();
        ResultsStore store = new ResultsStore(spec.output(),
                SweepSpec.withSettings(spark.sparkContext().hadoopConfiguration(), spec.hadoopSettings()));
        store.writeBytes("sweeps/" + spec.name() + "-" + spec.hash() + ".yaml",
                ("# groksweep sweep spec, resolved; sha256 prefix " + spec.hash() + "\n" + spec.canonical())
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<RunReport> trained = new ArrayList<>();
        if (!plan.pending().isEmpty()) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            LongAccumulator done = sc.sc().longAccumulator("runs done");
            LongAccumulator failed = sc.sc().longAccumulator("runs failed");
            String group = "groksweep-" + spec.name() + "-" + spec.hash();
            sc.setJobGroup(group, "groksweep sweep " + spec.name() + ": " + plan.pending().size() + " runs", true);
            Task task = new Task(store.uri().toString(), spec.hadoopSettings(), spec.threadsPerRun(), spec.runTimeoutSeconds(),
                    spec.checkpointEvery(), spec.device(), rerunFailed, done, failed);
            JavaFutureAction<List<RunReport>> job = sc.parallelize(plan.pending(), plan.pending().size())
                    .mapPartitions(task::train)
                    .collectAsync();
            Progress line = new Progress(spec.name(), plan.pending().size());
            try {
                while (true) {
                    try {
                        trained = job.get(2, TimeUnit.SECONDS);
                        break;
                    } catch (TimeoutException e) {
                        int running = running(sc, group);
                        line.update(done.value(), failed.value(), running).ifPresent(progress);
                    }
                }
            } catch (InterruptedException e) {
                job.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("sweep interrupted; rerun the same command to resume");
            } catch (ExecutionException e) {
                throw new IllegalStateException("sweep " + spec.name() + " failed: " + e.getCause().getMessage(), e.getCause());
            } finally {
                sc.clearJobGroup();
            }
        }
        int removed = store.sweepTemporaries();
        if (removed > 0) {
            LOG.info("removed {} leftover temporary files under {}", removed, store.root());
        }
        return new Outcome(plan, trained, (System.nanoTime() - start) / 1e9);
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
    record Task(String root, Map<String, String> hadoop, int threads, long timeoutSeconds, int checkpointEvery, String device,
            boolean rerunFailed, LongAccumulator done, LongAccumulator failed) implements Serializable {

        @Override
        public String toString() { // the Hadoop settings may hold credentials
            return "Task[root=" + root + ", hadoop=" + Secrets.redact(hadoop) + ", threads=" + threads + "]";
        }

        Iterator<RunReport> train(Iterator<TrainConfig> configs) {
            List<RunReport> out = new ArrayList<>();
            // The executor's Hadoop configuration and the spec's settings (endpoints, credentials).
            ResultsStore store = new ResultsStore(root,
                    SweepSpec.withSettings(SparkHadoopUtil.get().newConfiguration(SparkEnv.get().conf()), hadoop));
            while (configs.hasNext()) {
                TrainConfig c = configs.next();
                out.add(trainOne(store, c));
            }
            return out.iterator();
        }

        private RunReport trainOne(ResultsStore store, TrainConfig c) {
            try {
                // A retried or speculative task may find the run committed already: never train twice.
                boolean perRun = store.exists("runs/" + c.runId() + ".parquet");
                boolean committed = perRun || Compaction.manifest(store).runs().contains(c.runId());
                if (committed && !(rerunFailed && perRun && retryable(store, c.runId()))) {
                    return new RunReport(c.runId(), null, 0, null, null, 0);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            TaskContext ctx = TaskContext.get();
            Worker.Options options = Worker.options().threads(threads).timeoutSeconds(timeoutSeconds)
                    .checkpointEvery(checkpointEvery).device(device).abandon(() -> ctx != null && ctx.isInterrupted())
                    .build();
            Worker.Outcome outcome = Worker.run(c, store, options, new Trainer.Listener() {});
            if (outcome == null) { // the task was killed: nothing committed, a rerun trains it
                throw new IllegalStateException("run " + c.runId() + " abandoned: task killed");
            }
            done.add(1);
            RunRecord r = outcome.record();
            if (r.status() != RunStatus.OK) {
                failed.add(1);
            }
            return new RunReport(c.runId(), r.status(), r.finalStep(),
                    outcome.onsets() == null ? null : outcome.onsets().grokked(), r.finalTestAcc(), r.wallSeconds());
        }
    }
}
