package groksweep.train;

import groksweep.config.TrainConfig;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The data: all p² pairs (a, b), index a·p + b, shuffled with the data seed; the first
 * ⌊frac·p²⌋ are the train set, the rest the test set. Full batch: one step is one epoch.
 */
public record Split(int p, int[] train, int[] test) {

    public static Split of(TrainConfig c) {
        int p = c.modulus();
        int[] order = new int[p * p];
        Arrays.setAll(order, i -> i);
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

    public static long[] sums(int p, int[] pairs) {
        return Arrays.stream(pairs).mapToLong(i -> (i / p + i % p) % p).toArray();
    }
}
