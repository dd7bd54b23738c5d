package groksweep.worker;

import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;
import groksweep.model.Model;

import java.lang.management.ManagementFactory;

/**
 * A run's peak memory, estimated from its shapes before anything is allocated, so that a run too
 * large for its machine is refused with one line instead of being killed by the kernel (exit 137;
 * on a cluster that takes its executor down).
 *
 * <p>The peak is the progress measures, which run on all p² pairs at once: per pair, about 11
 * tensors of d_mlp and 9 of the vocabulary V in the run's dtype (activations, Fourier transforms,
 * projections) and 6 of V in float64 (the logits and their losses); a transformer of more than
 * one block keeps the d_mlp and head tensors for all 3 positions of every block. A training step holds the same
 * per example, for fewer examples. Add the data (int64 indices of every pair), four copies of
 * the parameters (weights, gradients, two AdamW moments; one more for a Grokfast EMA, window + 1
 * more for a Grokfast MA) and libtorch's own {@link #BASE_BYTES}.
 * Fitted to peak resident memory measured at p = 113, 257 and 400 (docs/REFERENCE.md: Limits): the estimate
 * was 1.0–1.4× the measurement.
 */
public final class RunMemory {
    private RunMemory() {}

    /** libtorch's code and allocator pools and the JVM around them: about 0.7 GB in a small run. */
    static final long BASE_BYTES = 700L << 20;

    /** Estimated peak bytes of one run of {@code c}. */
    public static long bytes(TrainConfig c) {
        long pairs = (long) c.modulus() * c.modulus();
        return BASE_BYTES + data(c) + parameterCopies(c) + pairs * perPair(c);
    }

    /**
     * Estimated peak bytes of a pack of {@code runs} runs shaped as {@code c}: one run's peak, since
     * the pack computes the progress measures one run at a time, and for each further run its data,
     * parameter copies and training step. A training step holds 1.25× per example what the measures
     * hold per pair (its backward's gradients beside the activations): fitted to packs of 8 at p = 59
     * and of 4 at p = 113, whose peak resident memory grew by 40 and 161 MB per further run
     * (docs/PERFORMANCE.md, "Packed runs").
     */
    public static long bytes(TrainConfig c, int runs) {
        long step = c.trainPairs() * perPair(c) * 5 / 4;
        return bytes(c) + (runs - 1) * (data(c) + parameterCopies(c) + step);
    }

    /** int64 indices of every pair: a, b and labels, twice (all pairs, and the train/test split). */
    private static long data(TrainConfig c) {
        return 2L * c.modulus() * c.modulus() * 3 * 8;
    }

    /** Weights, gradients, two AdamW moments; one more for a Grokfast EMA, window + 1 more for a Grokfast MA. */
    static long parameterCopies(TrainConfig c) {
        long copies = 4 + (c.grokfast().equals("ema") ? 1 : 0) + (c.grokfast().equals("ma") ? c.grokfastWindow() + 1 : 0);
        return copies * bytesPerValue(c) * Model.parameters(c);
    }

    /** Bytes the progress measures hold per pair (see the class comment). */
    private static long perPair(TrainConfig c) {
        long v = c.modulus() + 1;
        long m = c.dMlp();
        long hk = (long) c.nHeads() * c.dHead();
        long layers = c.nLayers();
        long positions = layers == 1 ? 1 : 3 * layers; // a deeper transformer keeps every position of every block
        return bytesPerValue(c) * ((11 * m + 2 * hk) * positions + 9 * v) + 6 * 8 * v;
    }

    static long bytesPerValue(TrainConfig c) {
        return c.dtype().equals("float64") ? 8 : 4;
    }

    /**
     * Memory a run may use on this machine: physical memory (the container's limit, if any) less
     * the JVM's maximum heap, since libtorch allocates outside the heap.
     */
    public static long available() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() - Runtime.getRuntime().maxMemory();
    }

    /** Throws a one-line {@link ConfigException} naming the modulus when a run of {@code c} cannot fit in {@code available} bytes. */
    public static void check(TrainConfig c, long available) {
        check(c, 1, available);
    }

    /** As {@link #check(TrainConfig, long)} for a pack of {@code runs} runs. */
    public static void check(TrainConfig c, int runs, long available) {
        long need = bytes(c, runs);
        if (need > available) {
            throw new ConfigException("modulus", c.modulus(), "a run that fits in memory: at p = " + c.modulus()
                    + " (d_model " + c.dModel() + ", d_mlp " + c.dMlp() + ", " + c.dtype() + ") "
                    + (runs == 1 ? "one run" : "a pack of " + runs + " runs") + " needs an estimated "
                    + gigabytes(need) + ", and " + gigabytes(available) + " is available here");
        }
    }

    static String gigabytes(long bytes) {
        return String.format("%,.1f GB", bytes / 1e9);
    }
}
