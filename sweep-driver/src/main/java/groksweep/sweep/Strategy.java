package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.results.Row;
import groksweep.results.RunStore;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * What a sweep trains next, given what its run store knows: every run of a grid ({@link GridStrategy}),
 * or searches for where an outcome changes on one axis ({@link BracketSearches}) or two
 * ({@link QuadtreeSearches}). The loop ({@link SweepRunner#run}) asks it whenever a task slot is
 * free and tells it of every commit; it holds no Spark and trains nothing itself.
 */
public interface Strategy {
    /** Reads again what the run store knows: before the first proposal and after runs commit. */
    default void update(RunStore runs) throws IOException {}

    /**
     * Whether its runs go to Spark as one job (a grid: Spark queues them on the free slots) rather
     * than a job per run (searches: each run's end is heard, and acted on, at once).
     */
    default boolean oneJob() {
        return false;
    }

    /** Runs to train now, none of them in flight: at most {@code free} (a grid gives all it has left, once). */
    List<TrainConfig> next(int free, Set<String> inFlight) throws IOException;

    /** Writes what it has found so far to its table (boundaries or cells); a grid has none. */
    default void publish(RunStore runs) throws IOException {}

    /** Its table's rows as last published: one per boundary or cell; none for a grid. */
    default List<Row> rows() {
        return List.of();
    }

    /** A committed run as the sweep sees it, e.g. "seed=0, train_fraction=0.3: yes" (a grid: nothing more than its id). */
    default String describe(String runId) {
        return runId;
    }

    /** The runs it rests on so far, committed ones it found included. */
    int used();

    /** Every run it may train (a grid's runs; the dense lattices searches replace), and those not committed. */
    SweepRunner.Plan plan();

    /** The share of the plan's pending runs it expects to train: 1 for a grid, less for searches. */
    default double expectedShare() {
        return 1;
    }
}
