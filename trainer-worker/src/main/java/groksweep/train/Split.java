package groksweep.train;

import groksweep.config.Operation;
import groksweep.config.TrainConfig;
import groksweep.groups.FiniteGroup;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The data: the operation's pairs (a, b), index a·p + b (all p², or those with b ≠ 0 for div; for
 * a group all |G|² pairs of its elements, p = |G|), shuffled with the data seed; the first
 * ⌊frac·pairs⌋ are the train set, the rest the test set. With {@code label_noise} the first
 * {@code corrupted} = ⌊noise·N⌋ train pairs (a random subset, the train set being shuffled) are
 * trained on a wrong label, uniform over the p − 1 others, as Doshi et al. (2024) corrupt the
 * first pairs of their shuffled train set (their labels are uniform over all p; ours are always wrong).
 *
 * @param trainLabels the labels the run trains on, in {@code train}'s order
 */
public record Split(int p, int[] train, int[] test, long[] trainLabels, int corrupted) {

    /** The stream of the wrong labels: the data seed mixed with this, apart from the shuffle's stream. */
    static final long NOISE_STREAM = 0x6e6f697365L; // "noise"

    public static Split of(TrainConfig c) {
        int p = c.modulus();
        Operation op = c.op();
        int[] order = IntStream.range(0, p * p).filter(i -> op.includes(i / p, i % p)).toArray();
        shuffle(order, new SplittableRandom(c.dataSeed()));
        int cut = c.trainPairs();
        return of(c, Arrays.copyOfRange(order, 0, cut), Arrays.copyOfRange(order, cut, order.length));
    }

    /** A given train/test split (e.g. an exported one) with the config's label noise. */
    public static Split of(TrainConfig c, int[] train, int[] test) {
        long[] labels = labels(c, train);
        int corrupted = (int) Math.floor(c.labelNoise() * train.length);
        SplittableRandom rng = new SplittableRandom(c.dataSeed() ^ NOISE_STREAM);
        for (int i = 0; i < corrupted; i++) {
            labels[i] = (labels[i] + 1 + rng.nextInt(c.modulus() - 1)) % c.modulus();
        }
        return new Split(c.modulus(), train, test, labels, corrupted);
    }

    /** Fisher–Yates, in place. */
    static void shuffle(int[] order, SplittableRandom rng) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
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
