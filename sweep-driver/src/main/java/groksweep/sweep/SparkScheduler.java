package groksweep.sweep;

import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;
import groksweep.results.OutputToken;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.RunStatus;
import groksweep.results.RunStore;
import groksweep.results.Tables;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Consumer;

/**
 * Trains batches of runs on Spark, each batch one job with one task per pack ({@link SweepRunner#packs}),
 * jobs side by side. Executors train with {@link TrainTask} and commit each run themselves; the
 * driver sees small reports. Every task first checks that it sees the driver's {@link OutputToken}
 * under the output; one that does not trains nothing, and the sweep stops with one line
 * ({@link ConfigException}) naming the executor. A job that failed because its executors kept
 * dying trains its uncommitted runs again in a new job, up to {@link #RESUBMITS} times.
 */
final class SparkScheduler implements Scheduler, AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(SparkScheduler.class);

    /** New jobs a sweep starts for runs whose task Spark gave up on after lost executors. */
    static final int RESUBMITS = 3;

    private record Job(List<TrainConfig> runs, int packs, int attempt, JavaFutureAction<List<SweepRunner.RunReport>> future) {}

    private final JavaSparkContext sc;
    private final SweepSpec spec;
    private final ResultsStore store;
    private final OutputToken token;
    private final TrainTask task;
    private final LongAccumulator done;
    private final LongAccumulator failed;
    private final CollectionAccumulator<OutputToken.Refusal> refusals;
    private final String group;
    private final ExecutorLosses losses;
    private final SparkListener taskTime;
    private final DoubleAdder busySeconds = new DoubleAdder();
    private final List<Job> jobs = new ArrayList<>();
    private final Progress line;
    private final Consumer<String> progress;
    private long submitted;
    private long lastCheck;

    SparkScheduler(SparkSession spark, SweepSpec spec, ResultsStore store, boolean rerunFailed, int total,
            double estimateSeconds, Consumer<String> progress) throws IOException {
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.spec = spec;
        this.store = store;
        this.progress = progress;
        done = sc.sc().longAccumulator("runs done");
        failed = sc.sc().longAccumulator("runs failed");
        refusals = sc.sc().collectionAccumulator("output refusals");
        group = "groksweep-" + spec.name() + "-" + spec.hash();
        sc.setJobGroup(group, "groksweep sweep " + spec.name(), true);
        token = OutputToken.write(store);
        task = new TrainTask(store.uri().toString(), spec.hadoopSettings(), token, spec.threadsPerRun(),
                spec.runTimeoutSeconds(), spec.checkpointEvery(), spec.device(), rerunFailed, done, failed, refusals);
        line = new Progress(spec.name(), total, estimateSeconds);
        losses = new ExecutorLosses(store, sc.sc().applicationId());
        taskTime = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                busySeconds.add(end.taskInfo().duration() / 1000.0);
            }
        };
        sc.sc().addSparkListener(losses);
        sc.sc().addSparkListener(taskTime);
    }

    @Override
    public void submit(List<TrainConfig> runs) {
        submit(runs, 0);
    }

    private void submit(List<TrainConfig> runs, int attempt) {
        List<List<TrainConfig>> packs = SweepRunner.packs(runs, SweepRunner.packSize(spec));
        LOG.info("{} runs in {} tasks", runs.size(), packs.size());
        jobs.add(new Job(runs, packs.size(), attempt,
                sc.parallelize(packs, packs.size()).mapPartitions(task::train).collectAsync()));
        submitted += runs.size();
    }

    @Override
    public Set<String> inFlight() {
        Set<String> out = new HashSet<>();
        jobs.forEach(j -> j.runs().forEach(c -> out.add(c.runId())));
        return out;
    }

    @Override
    public int busy() {
        return jobs.stream().mapToInt(Job::packs).sum();
    }

    /** Slot-seconds the ended tasks took, for the utilisation. */
    public double busySeconds() {
        return busySeconds.sum();
    }

    /** Waits for a job to end, printing the status line and watching the output's token. */
    @Override
    public List<SweepRunner.RunReport> awaitAny() throws IOException {
        try {
            while (true) {
                for (Job j : jobs) {
                    if (j.future().isDone()) {
                        jobs.remove(j);
                        return finish(j);
                    }
                }
                if (System.nanoTime() - lastCheck > TimeUnit.SECONDS.toNanos(2)) {
                    lastCheck = System.nanoTime();
                    check();
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new IllegalStateException("sweep interrupted; rerun the same command to resume");
        }
    }

    /** Stops the sweep if the output's token went or a task refused the output. */
    private void check() throws IOException, InterruptedException {
        boolean gone = token.gone(store);
        if (gone || !refusals.isZero()) {
            cancel();
            if (gone || token.gone(store)) { // a task refused: the token may be gone for all
                throw new OutputToken.Gone(spec.output(), token.name());
            }
            throw new ConfigException(refusals.value().get(0).message("output", spec.output()) + "; "
                    + (done.value() == 0 ? "no run was trained"
                            : done.value() + " runs trained by executors that see it are committed there"));
        }
        long running = Math.min((long) running() * SweepRunner.packSize(spec), submitted - done.value());
        line.update(done.value(), failed.value(), running).ifPresent(progress);
    }

    /** A job's reports; a job lost with its executors trains its runs not yet committed again. */
    private List<SweepRunner.RunReport> finish(Job j) throws IOException, InterruptedException {
        try {
            List<SweepRunner.RunReport> out = j.future().get();
            check();
            return out;
        } catch (ExecutionException e) {
            check();
            if (token.gone(store)) {
                throw new OutputToken.Gone(spec.output(), token.name());
            }
            Set<String> committed = new RunStore(store).committed();
            List<TrainConfig> left = j.runs().stream().filter(c -> !committed.contains(c.runId())).toList();
            if (!lostExecutors(e) || j.attempt() == RESUBMITS) {
                throw new IllegalStateException("sweep " + spec.name() + " failed: " + e.getCause().getMessage(),
                        e.getCause());
            }
            // Spark gave up on a task whose executors kept dying: its runs' attempts are in their
            // markers, which decide, in a new job, which runs train again and which crash.
            LOG.warn("a task lost its executor spark.task.maxFailures times; training the {} runs not yet"
                    + " committed in a new job ({} of at most {})", left.size(), j.attempt() + 1, RESUBMITS);
            if (!left.isEmpty()) {
                submit(left, j.attempt() + 1);
                submitted -= left.size();
            }
            List<SweepRunner.RunReport> out = new ArrayList<>();
            for (TrainConfig c : j.runs()) {
                if (committed.contains(c.runId())) {
                    Row r = store.read(Tables.RUNS, c.runId()).get(0);
                    out.add(new SweepRunner.RunReport(c.runId(), RunStatus.of(r.getString("status")), r.getInt("final_step"),
                            null, (Double) r.get("final_test_acc"), r.getDouble("wall_seconds")));
                }
            }
            return out;
        }
    }

    /** Whether a job failed because its task's executors were lost (Spark's ExecutorLostFailure), not for a run's error. */
    static boolean lostExecutors(ExecutionException e) {
        return String.valueOf(e.getCause() == null ? null : e.getCause().getMessage()).contains("ExecutorLostFailure");
    }

    /**
     * Cancels the jobs in flight and waits, up to a minute, until their tasks have ended: a task
     * notices its cancellation at its next step, and until then it may still write (an attempt's
     * marker), so a sweep that returns first could leave a write under an output it has just given up.
     */
    private void cancel() {
        jobs.forEach(j -> j.future().cancel(true));
        jobs.clear();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            while (running() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int running() {
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

    /** Cancels what is still in flight (the loop stopped on an error), and removes the output's token. */
    @Override
    public void close() throws IOException {
        if (!jobs.isEmpty()) {
            cancel();
        }
        sc.sc().removeSparkListener(losses);
        sc.sc().removeSparkListener(taskTime);
        sc.clearJobGroup();
        token.remove(store);
    }
}
