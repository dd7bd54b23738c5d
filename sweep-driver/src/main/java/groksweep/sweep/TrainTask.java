package groksweep.sweep;

import groksweep.config.Secrets;
import groksweep.config.TrainConfig;
import groksweep.results.Attempts;
import groksweep.results.OutputToken;
import groksweep.results.ResultsStore;
import groksweep.results.RunRecord;
import groksweep.results.RunStatus;
import groksweep.results.RunStore;
import groksweep.worker.Worker;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The executor side of a sweep, shipped to each task: trains its partition's packs of runs with the
 * trainer-worker and commits each run's files itself. A run already committed is never trained
 * again (a retried or speculative task); the attempt markers decide whether a run whose executors
 * died trains again or is condemned ({@link Attempts#verdict}).
 */
record TrainTask(String root, Map<String, String> hadoop, OutputToken token, int threads, long timeoutSeconds,
        int checkpointEvery, String device, boolean rerunFailed, LongAccumulator done, LongAccumulator failed,
        CollectionAccumulator<OutputToken.Refusal> refusals) implements Serializable {
    private static final Logger LOG = LogManager.getLogger(TrainTask.class);

    @Override
    public String toString() { // the Hadoop settings may hold credentials
        return "TrainTask[root=" + root + ", hadoop=" + Secrets.redact(hadoop) + ", threads=" + threads + "]";
    }

    Iterator<SweepRunner.RunReport> train(Iterator<List<TrainConfig>> packs) throws IOException {
        List<SweepRunner.RunReport> out = new ArrayList<>();
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

    private void trainPack(ResultsStore store, List<TrainConfig> pack, List<SweepRunner.RunReport> out)
            throws IOException {
        String app = SparkEnv.get().conf().getAppId();
        List<TrainConfig> todo = new ArrayList<>();
        boolean split = false; // a pack that lost its executor: its runs one at a time, so a crashing run dies alone
        for (TrainConfig c : pack) {
            if (committed(store, c)) { // a retried or speculative task: never train a run twice
                out.add(new SweepRunner.RunReport(c.runId(), null, 0, null, null, 0));
                continue;
            }
            Attempts.Verdict verdict = Attempts.verdict(Attempts.lost(store, app, c.runId()));
            if (verdict instanceof Attempts.Condemn condemned) {
                LOG.warn("run {} {}", c.runId(), condemned.message());
                Worker.Outcome o = Worker.recordFailed(c, store, threads, condemned.message());
                Attempts.clear(store, List.of(c.runId()));
                done.add(1);
                failed.add(1);
                out.add(new SweepRunner.RunReport(c.runId(), o.record().status(), 0, null, null, 0));
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
    private void train(ResultsStore store, List<TrainConfig> todo, String app, List<SweepRunner.RunReport> out)
            throws IOException {
        List<Attempts.Marker> markers = new ArrayList<>();
        String executor = SparkEnv.get().executorId();
        for (TrainConfig c : todo) {
            markers.add(Attempts.mark(store, app, c.runId(), todo.size() == 1, executor));
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
            out.add(new SweepRunner.RunReport(r.runId(), r.status(), r.finalStep(),
                    outcome.onsets() == null ? null : outcome.onsets().grokked(), r.finalTestAcc(), r.wallSeconds()));
        }
        Attempts.clear(store, todo.stream().map(TrainConfig::runId).toList());
    }

    /**
     * The Spark setting naming a class (on the executors' class path, with a public no-argument
     * constructor) that implements {@code java.util.function.ObjIntConsumer<String>}: it is told
     * of every run id and step a task reaches, as each metrics row is written. Unset: none. The
     * cluster tests install one there that halts its executor's JVM at a given run's step, as a
     * native crash or the kernel's OOM killer would.
     */
    static final String STEP_HOOK = "spark.groksweep.stepHook";

    /** Notes the step reached in the attempt's markers ({@link Attempts.Marker#seen}), and tells the step hook. */
    private static groksweep.train.Trainer.Listener seen(ResultsStore store, List<Attempts.Marker> markers,
            List<TrainConfig> todo) {
        java.util.function.ObjIntConsumer<String> hook = stepHook();
        return new groksweep.train.Trainer.Listener() {
            @Override
            public void onMetrics(groksweep.train.MetricRow row) {
                note(row.step());
                if (hook != null) {
                    todo.forEach(c -> hook.accept(c.runId(), row.step()));
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

    @SuppressWarnings("unchecked")
    private static java.util.function.ObjIntConsumer<String> stepHook() {
        String name = SparkEnv.get().conf().get(STEP_HOOK, null);
        if (name == null) {
            return null;
        }
        try {
            return (java.util.function.ObjIntConsumer<String>) Class.forName(name).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException(STEP_HOOK + ": '" + name + "' is not allowed; expected a class on the"
                    + " executors' class path implementing ObjIntConsumer<String>, with a public no-argument constructor", e);
        }
    }

    /**
     * Whether the run is committed and not to be trained again (a failed one is, with --rerun-failed,
     * once, compacted or not: its new files are read in place of its rows in the parts).
     */
    private boolean committed(ResultsStore store, TrainConfig c) throws IOException {
        RunStore runs = new RunStore(store);
        return runs.committed(c.runId()) && !(rerunFailed && runs.status(c.runId()).retryable());
    }
}
