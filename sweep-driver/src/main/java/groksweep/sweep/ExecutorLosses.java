package groksweep.sweep;

import groksweep.results.Attempts;
import groksweep.results.ResultsStore;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The driver's witness of lost executors, for the tasks that retry their runs ({@link Attempts}):
 * a loss is the cluster's, not a run's, when Spark's reason says so (YARN's preemption, a
 * decommission, Kubernetes' eviction or deletion, a lost worker or node), or when another executor
 * was lost within {@link #TOGETHER_MILLIS} of it (a run that crashes takes only its own executor).
 * Every loss is written under the output; a loss first written as the run's may later be found
 * the cluster's, when another follows it.
 */
final class ExecutorLosses extends SparkListener {
    private static final Logger LOG = LogManager.getLogger(ExecutorLosses.class);

    /**
     * Losses this close together are one event of the cluster's (a node taking its executors, a wave
     * of preemptions). Short: a run that crashes kills the executor its retry starts on within
     * seconds, and two such deaths must not excuse each other.
     */
    static final long TOGETHER_MILLIS = 2_000;

    /** Spark's loss reasons that name the cluster: YARN, Kubernetes, standalone and decommissioning. */
    private static final Pattern CLUSTERS = Pattern.compile(
            "(?i)preempt|decommission|evict|worker lost|lost worker|worker shutting down|node lost|lost node"
                    + "|was deleted|killed by driver");

    private final ResultsStore store;
    private final String app;
    private final List<Loss> losses = new ArrayList<>();

    private record Loss(long time, String executor, String reason) {}

    ExecutorLosses(ResultsStore store, String app) {
        this.store = store;
        this.app = app;
    }

    /** Whether Spark's loss reason alone names the cluster. */
    static boolean clusters(String reason) {
        return reason != null && CLUSTERS.matcher(reason).find();
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        Loss loss = new Loss(removed.time(), removed.executorId(), removed.reason());
        List<Loss> together = losses.stream().filter(l -> Math.abs(l.time() - loss.time()) <= TOGETHER_MILLIS).toList();
        losses.add(loss);
        record(loss, clusters(loss.reason()) || !together.isEmpty(), together.isEmpty() ? "" : "; with executors "
                + together.stream().map(Loss::executor).toList());
        for (Loss l : together) { // they went together: each was the cluster's
            record(l, true, "; with executor " + loss.executor());
        }
    }

    private void record(Loss loss, boolean cluster, String with) {
        LOG.info("executor {} lost ({}{}): {}", loss.executor(), loss.reason(), with,
                cluster ? "the cluster's, no evidence against its runs" : "its runs' attempts count");
        try {
            Attempts.executorLost(store, app, loss.executor(), cluster, loss.reason() + with);
        } catch (IOException e) { // a lost witness only withholds evidence: the runs are retried
            LOG.warn("cannot record the loss of executor {} under {}: {}", loss.executor(), store.root(), e.getMessage());
        }
    }
}
