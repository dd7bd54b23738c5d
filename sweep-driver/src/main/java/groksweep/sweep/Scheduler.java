package groksweep.sweep;

import groksweep.config.TrainConfig;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Where the loop's runs train ({@link SparkScheduler}): it takes batches of runs, trains each
 * batch as one job, and reports a job's runs as it ends. It knows nothing of grids or searches.
 */
public interface Scheduler {
    /** Starts training {@code runs} (one job; a task per pack) and returns at once. */
    void submit(List<TrainConfig> runs) throws IOException;

    /** Waits until one job ends and returns its runs' reports; throws what stops the sweep. */
    List<SweepRunner.RunReport> awaitAny() throws IOException;

    /** The runs submitted whose job has not ended. */
    Set<String> inFlight();

    /** Task slots the jobs in flight hold: one per pack. */
    int busy();
}
