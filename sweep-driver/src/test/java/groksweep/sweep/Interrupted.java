package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.results.ResultsStore;
import groksweep.results.Tables;

import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** A sweep stopped as Ctrl-C or a lost driver would stop it: all its jobs cancelled once the first run commits. */
public final class Interrupted {
    private Interrupted() {}

    /** Runs {@code spec}, cancels it after its first commit, and returns the runs committed by then (at least one, not all). */
    public static Set<String> afterFirstCommit(SparkSession spark, SweepSpec spec, ResultsStore store) throws Exception {
        CompletableFuture<Void> stopper = CompletableFuture.runAsync(() -> {
            try {
                while (store.runIds(Tables.RUNS).isEmpty()) {
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            spark.sparkContext().cancelAllJobs();
        });
        assertThrows(IllegalStateException.class,
                () -> SweepRunner.run(spark, spec, SweepRunner.plan(spec, false), false, line -> {}));
        stopper.get();
        untilNoTaskRuns(spark); // a task killed while committing may still commit: wait for it to end
        Set<String> committed = store.runIds(Tables.RUNS);
        int runs = Grid.expand(spec).size();
        assertTrue(committed.size() >= 1 && committed.size() < runs, committed.size() + " of " + runs + " committed before the stop");
        return committed;
    }

    private static void untilNoTaskRuns(SparkSession spark) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (Arrays.stream(spark.sparkContext().statusTracker().getExecutorInfos())
                .anyMatch(e -> e.numRunningTasks() > 0)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("killed tasks still running after 2 minutes");
            }
            Thread.sleep(100);
        }
    }
}
