package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * {@code torch.optim.AdamW} with the linear warm-up of Nanda et al. (2023), on every parameter:
 *
 * <pre>
 *   w ← w·(1 − lr_t·wd)                                   decoupled weight decay
 *   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²
 *   w ← w − lr_t/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 * </pre>
 *
 * with {@code lr_t = lr·min((t − 1)/warmup, 1)} for update t = 1, 2, … (the first update has
 * lr 0, as torch's LambdaLR gives). DJL's {@code Adam} adds the decay to the gradient instead, and
 * DJL's {@code AdamW} adds eps to √v before the bias correction: that differs from torch once
 * gradients are tiny, which is exactly the late clean-up phase of grokking.
 *
 * <p>The moments of all parameters live in one flat tensor each, so an update is a handful of
 * large operations rather than a dozen small ones per parameter.
 */
public final class AdamW {

    public record Settings(double lr, double beta1, double beta2, double eps, double weightDecay, int warmupSteps) {}

    private final Settings s;
    private final NDList params;
    private final NDArray m; // [Σ sizes] first moments, parameters back to back
    private final NDArray v; // [Σ sizes] second moments
    private int t;

    /** m and v start at zero, in the parameters' manager; t counts updates done so far. */
    public AdamW(Settings settings, NDList params) {
        this(settings, params, flatZeros(params), flatZeros(params), 0);
    }

    /** Resumes with saved moments (flat, parameters back to back) after {@code updatesDone} updates. */
    public AdamW(Settings settings, NDList params, NDArray m, NDArray v, int updatesDone) {
        this.s = settings;
        this.params = params;
        this.m = m;
        this.v = v;
        this.t = updatesDone;
    }

    /** Learning rate of update t (1-based): lr·min((t − 1)/warmup, 1). */
    public static double learningRate(Settings s, int t) {
        return s.warmupSteps() == 0 ? s.lr() : s.lr() * Math.min((t - 1) / (double) s.warmupSteps(), 1.0);
    }

    /**
     * Applies one update from the gradients accumulated in the parameters, then zeroes them.
     * Temporaries live in {@code scope}, which borrows the moments for the duration; the caller
     * closes it (the training step's scope).
     */
    public void step(NDManager scope) {
        t++;
        double lr = learningRate(s, t);
        double stepSize = lr / (1 - Math.pow(s.beta1(), t));
        double bias2Sqrt = Math.sqrt(1 - Math.pow(s.beta2(), t));
        scope.tempAttachAll(new NDList(m, v));
        try (GradMode noGrad = GradMode.disabled()) {
            NDList grads = new NDList(params.size());
            for (NDArray w : params) {
                NDArray g = JniUtils.getGradient((PtNDArray) w);
                g.attach(scope);
                grads.add(g.reshape(-1));
            }
            NDArray g = NDArrays.concat(grads); // [Σ sizes]
            m.muli(s.beta1()).addi(g.mul(1 - s.beta1()));
            v.muli(s.beta2()).addi(g.square().muli(1 - s.beta2()));
            NDArray update = m.div(v.sqrt().divi(bias2Sqrt).addi(s.eps())).muli(stepSize); // [Σ sizes]
            long offset = 0;
            for (NDArray w : params) {
                long size = w.size();
                w.muli(1 - lr * s.weightDecay());
                w.subi(update.get(offset + ":" + (offset + size)).reshape(w.getShape()));
                JniUtils.zeroGrad((PtNDArray) w);
                offset += size;
            }
        }
    }

    public int updatesDone() {
        return t;
    }

    public NDArray firstMoments() {
        return m;
    }

    public NDArray secondMoments() {
        return v;
    }

    private static NDArray flatZeros(NDList params) {
        long total = params.stream().mapToLong(NDArray::size).sum();
        return params.head().getManager().zeros(new ai.djl.ndarray.types.Shape(total), params.head().getDataType());
    }
}
