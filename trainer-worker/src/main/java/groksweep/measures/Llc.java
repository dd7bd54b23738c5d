package groksweep.measures;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;
import groksweep.model.GradMode;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * The local learning coefficient λ (Lau et al. 2023, "The Local Learning Coefficient: A
 * Singularity-Aware Complexity Measure") at weights w*, estimated as the devinterp library's
 * {@code estimate_learning_coeff} does with its SGLD sampler: {@code chains} chains start at w*,
 * each step records the loss L(w) and then moves
 *
 * <pre>
 *   w ← w − (ε/2)·(nβ·∇L(w) + γ·(w − w*)) + √ε·ξ,   ξ ~ N(0, 1) per parameter,
 * </pre>
 *
 * and λ̂ = nβ·(mean of the draws' L − L(w*)), per chain, then its mean and standard deviation
 * over chains (population, as numpy's). L is the loss on the whole train set, where devinterp
 * cycles its loader's mini-batches: ∇L is exact and all the noise is Langevin's. The chains
 * work on copies of the parameters, with noise from their own seed, so training never sees them.
 */
public final class Llc {
    private Llc() {}

    /** ε, γ, nβ, chains and draws per chain. */
    public record Settings(double lr, double localization, double nbeta, int chains, int draws) {

        /** A run's settings: nβ 0 stands for devinterp's default_nbeta, N / ln N, over its N train pairs. */
        public static Settings of(TrainConfig c) {
            double nbeta = c.get(TrainConfig.LLC_NBETA);
            int n = c.trainPairs();
            return new Settings(c.get(TrainConfig.LLC_LR), c.get(TrainConfig.LLC_LOCALIZATION),
                    nbeta > 0 ? nbeta : n > 1 ? n / Math.log(n) : 1, c.get(TrainConfig.LLC_CHAINS),
                    c.get(TrainConfig.LLC_DRAWS));
        }
    }

    /** λ̂ averaged over chains, and its standard deviation over them. */
    public record Estimate(double mean, double std) {}

    /** The stream of the chains' noise: the run's seed mixed with this and the step. */
    static final long LLC_STREAM = 0x6c6c63L; // "llc"

    /** The seed of the chains measured at {@code step} of a run. */
    public static long seed(TrainConfig c, int step) {
        return new SplittableRandom(c.seed() ^ LLC_STREAM).nextLong() + step;
    }

    /**
     * λ̂ at {@code start} (the parameters w*, left untouched) for {@code loss}, a scalar function
     * of parameters shaped as {@code start}; chain k draws its noise from the k-th split of {@code seed}.
     */
    public static Estimate estimate(NDList start, Function<NDList, NDArray> loss, Settings s, long seed) {
        NDManager manager = start.head().getManager();
        double initial;
        try (NDManager scope = manager.newSubManager(); GradMode noGrad = GradMode.disabled()) {
            scope.tempAttachAll(start);
            initial = value(loss.apply(start));
        }
        SplittableRandom root = new SplittableRandom(seed);
        double[] perChain = new double[s.chains()];
        for (int k = 0; k < perChain.length; k++) {
            perChain[k] = s.nbeta() * (meanLoss(start, loss, s, root.split()) - initial);
        }
        double mean = Arrays.stream(perChain).average().orElseThrow();
        return new Estimate(mean, Math.sqrt(Arrays.stream(perChain).map(x -> (x - mean) * (x - mean)).average().orElseThrow()));
    }

    /** One chain: the mean of its draws' losses. */
    private static double meanLoss(NDList start, Function<NDList, NDArray> loss, Settings s, SplittableRandom rng) {
        try (NDManager chain = start.head().getManager().newSubManager()) {
            NDList w = new NDList();
            for (NDArray x : start) {
                NDArray copy = x.duplicate(); // a leaf of its own
                copy.attach(chain);
                copy.setRequiresGradient(true);
                w.add(copy);
            }
            double sum = 0;
            for (int t = 0; t < s.draws(); t++) {
                try (NDManager step = chain.newSubManager()) {
                    step.tempAttachAll(w, start);
                    try (GradMode grad = GradMode.enabled()) {
                        NDArray l = loss.apply(w);
                        sum += value(l);
                        GradMode.backward(l);
                    }
                    try (GradMode noGrad = GradMode.disabled()) {
                        for (int i = 0; i < w.size(); i++) {
                            NDArray x = w.get(i);
                            NDArray g = JniUtils.getGradient((PtNDArray) x);
                            g.attach(step);
                            NDArray drift = g.mul(s.nbeta()).addi(x.sub(start.get(i)).muli(s.localization()));
                            x.subi(drift.muli(s.lr() / 2)).addi(noise(step, rng, x).muli(Math.sqrt(s.lr())));
                            JniUtils.zeroGrad((PtNDArray) x);
                        }
                    }
                }
            }
            return sum / s.draws();
        }
    }

    /** N(0, 1) values of {@code like}'s shape and dtype, from {@code rng}. */
    private static NDArray noise(NDManager manager, SplittableRandom rng, NDArray like) {
        double[] values = new double[Math.toIntExact(like.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = gaussian(rng);
        }
        return manager.create(values, like.getShape()).toType(like.getDataType(), false);
    }

    /**
     * One N(0, 1) value by Box–Muller from the stream's next two doubles. Unlike
     * {@link SplittableRandom#nextGaussian()} (a table-driven ziggurat), it is a few lines in any
     * language, so the PyTorch reference draws the same chains' noise from the same seed.
     */
    static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble(), v = rng.nextDouble(); // u in (0, 1]
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static double value(NDArray scalar) {
        return scalar.toType(DataType.FLOAT64, false).getDouble();
    }
}
