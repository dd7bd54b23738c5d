package groksweep.train;

import groksweep.config.TrainConfig;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The mini-batches of a run with {@code batch_size} B > 0 over its N train pairs: every epoch a
 * fresh permutation of them, drawn from the data seed and the epoch's number, cut into ⌈N/B⌉
 * batches in order (the last holds the remainder, as a DataLoader without drop_last), one per step.
 * Step s's batch follows from s alone, so a run resumed from a checkpoint, which holds its updates
 * done, draws exactly the batches it would have drawn unbroken.
 *
 * @param size B
 * @param pairs N
 * @param seed the run's data seed
 */
public record Batches(int size, int pairs, long seed) {

    /** The stream of the epochs' permutations: the data seed mixed with this, apart from the split's and the noise's. */
    static final long BATCH_STREAM = 0x6261746368L; // "batch"

    /** The run's batches, or null when it trains full-batch. */
    public static Batches of(TrainConfig c) {
        return c.batchSize() == 0 ? null : new Batches(c.batchSize(), c.trainPairs(), c.dataSeed());
    }

    public int perEpoch() {
        return (pairs + size - 1) / size;
    }

    /** Whole epochs done after {@code step} updates: the epoch that update step + 1 belongs to. */
    public int epoch(int step) {
        return step / perEpoch();
    }

    /** Positions in the train set of the batch of update {@code step} + 1. */
    public int[] positions(int step) {
        int from = step % perEpoch() * size;
        return Arrays.copyOfRange(order(epoch(step)), from, Math.min(pairs, from + size));
    }

    /** Epoch {@code epoch}'s permutation of the positions 0..N−1. */
    public int[] order(int epoch) {
        int[] order = IntStream.range(0, pairs).toArray();
        long base = new SplittableRandom(seed ^ BATCH_STREAM).nextLong(); // adjacent seeds give unrelated streams
        Split.shuffle(order, new SplittableRandom(base + epoch));
        return order;
    }
}
