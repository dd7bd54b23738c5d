package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.results.Attempts;
import groksweep.results.ResultsStore;

import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Which executor losses the driver attributes to the cluster, by Spark's reason and by who else went. */
class ExecutorLossesTest {
    @TempDir
    Path dir;

    @Test
    void reasonsThatNameTheClusterAreTheClusters() {
        for (String reason : List.of(
                "Container container_1_0001_01_000002 on host: nm-1 was preempted.", // YARN
                "Executor decommission: worker decommissioned", // decommissioning, any manager
                "The executor with id 3 was deleted by a user or the framework.", // Kubernetes
                "Pod was evicted: the node was low on resource: memory.", // Kubernetes
                "Worker lost", "worker shutting down", "Executor killed by driver.")) {
            assertTrue(ExecutorLosses.clusters(reason), reason);
        }
        for (String reason : List.of("Command exited with code 137", "Command exited with code 134",
                "Unable to create executor due to ... OutOfMemoryError", "")) {
            assertFalse(ExecutorLosses.clusters(reason), reason);
        }
        assertFalse(ExecutorLosses.clusters(null));
    }

    /** Executors 1 and 2 lost 1.5 s apart go together; 3, 6 s later, alone, is its run's; 4 was preempted. */
    @Test
    void lossesCloseTogetherAreTheClusters() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        ExecutorLosses losses = new ExecutorLosses(store, "app");
        losses.onExecutorRemoved(new SparkListenerExecutorRemoved(100_000, "1", "Command exited with code 137"));
        losses.onExecutorRemoved(new SparkListenerExecutorRemoved(101_500, "2", "Command exited with code 137"));
        losses.onExecutorRemoved(new SparkListenerExecutorRemoved(107_500, "3", "Command exited with code 137"));
        losses.onExecutorRemoved(new SparkListenerExecutorRemoved(300_000, "4", "Container on host: a was preempted."));
        for (String executor : List.of("1", "2", "3", "4")) {
            Attempts.mark(store, "app", "run", true, executor);
        }
        Map<String, Boolean> cluster = new TreeMap<>();
        Attempts.lost(store, "app", "run").forEach(a -> cluster.put(a.executor(), a.cluster()));
        assertEquals(Map.of("1", true, "2", true, "3", false, "4", true), cluster);
    }
}
