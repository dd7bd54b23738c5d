package groksweep.config;

import java.lang.management.ManagementFactory;

/**
 * A run's peak memory, estimated from its shapes before anything is allocated, so that a run too
 * large for its machine is refused with one line instead of being killed by the kernel (exit 137;
 * on a cluster that takes its executor down). Counted, in bytes of the run's dtype unless said:
 *
 * <ul>
 *   <li>the data: int64 indices (a, b, label) of all p² pairs, twice (the split and the grid);
 *   <li>the parameters with their gradients and AdamW moments;
 *   <li>the larger of a training step (the train batch's activations and gradients, its loss in
 *       float64) and the progress measures (a forward over all p² pairs, the Fourier transforms of
 *       the MLP activations, the logits in float64 with their key-frequency projections);
 *   <li>libtorch and the JVM around it: {@link #BASE_BYTES}.
 * </ul>
 *
 * The counts of live tensors per example were measured as peak resident memory of real runs
 * (README: Limits); the estimate is meant to err high by at most a factor of two.
 */
public final class RunMemory {
    private RunMemory() {}

    /** libtorch's code and allocator pools, measured at about 0.6 GB for a small run. */
    static final long BASE_BYTES = 700L << 20;

    /** Estimated peak bytes of one run of {@code c}. */
    public static long bytes(TrainConfig c) {
        long p = c.modulus();
        long pairs = p * p;
        long v = p + 1;
        long d = c.dModel();
        long m = c.dMlp();
        long hk = (long) c.nHeads() * c.dHead();
        long b = c.dtype().equals("float64") ? 8 : 4;
        long params = 2 * v * d + 3 * d + 4 * hk * d + 2 * m * d + m + d;
        long data = 2 * pairs * 3 * 8;
        long trainStep = c.trainPairs() * (b * (4 * v + 4 * m + 6 * hk) + 16 * v);
        long measures = pairs * (b * (6 * m + 2 * v + 2 * hk) + 6 * 8 * v);
        return BASE_BYTES + data + 4 * b * params + Math.max(trainStep, measures);
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
        long need = bytes(c);
        if (need > available) {
            throw new ConfigException("modulus", c.modulus(), "a run that fits in memory: at p = " + c.modulus()
                    + " (d_model " + c.dModel() + ", d_mlp " + c.dMlp() + ", " + c.dtype() + ") one run needs an estimated "
                    + gigabytes(need) + ", and " + gigabytes(available) + " is available here");
        }
    }

    static String gigabytes(long bytes) {
        return String.format("%.1f GB", bytes / 1e9);
    }
}
