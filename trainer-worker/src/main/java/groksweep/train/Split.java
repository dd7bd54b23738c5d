package groksweep.train;

import groksweep.config.Operation;
import groksweep.config.TrainConfig;
import groksweep.groups.FiniteGroup;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The data: the operation's pairs (a, b), index a·p + b (all p², or those with b ≠ 0 for div; for
 * a group all |G|² pairs of its elements, p = |G|),
 * shuffled with the data seed; the first ⌊frac·pairs⌋ are the train set, the rest the test set.
 * Full batch: one step is one epoch.
 */
public record Split(int p, int[] train, int[] test) {

    public static Split of(TrainConfig c) {
        int p = c.modulus();
        Operation op = c.op();
        int[] order = IntStream.range(0, p * p).filter(i -> op.includes(i / p, i % p)).toArray();
        SplittableRandom rng = new SplittableRandom(c.dataSeed());
        for (int i = order.length - 1; i > 0; i--) { // Fisher–Yates
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int cut = c.trainPairs();
        return new Split(p, Arrays.copyOfRange(order, 0, cut), Arrays.copyOfRange(order, cut, order.length));
    }

    public static long[] firstOperands(int p, int[] pairs) {
        return Arrays.stream(pairs).mapToLong(i -> i / p).toArray();
    }

    public static long[] secondOperands(int p, int[] pairs) {
        return Arrays.stream(pairs).mapToLong(i -> i % p).toArray();
    }

    /** The label of each pair: a·b in the run's group, or a ∘ b mod p (0 outside the operation, which no loss reads). */
    public static long[] labels(TrainConfig c, int[] pairs) {
        int p = c.modulus();
        FiniteGroup g = c.finiteGroup(); // resolved once, not per pair
        Operation op = c.op();
        return Arrays.stream(pairs).mapToLong(i -> g != null ? g.multiply(i / p, i % p)
                : op.includes(i / p, i % p) ? op.apply(i / p, i % p, p) : 0).toArray();
    }
}
