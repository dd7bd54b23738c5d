package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;

/**
 * The training objective at the last position, and the softmax-collapse measure, as Prieto et al.
 * (2025, "Grokking at the Edge of Numerical Stability") define them in their {@code utils.py} and
 * {@code logger.py}. Logits [B, V], labels int64 [B].
 */
public final class Loss {
    private Loss() {}

    /**
     * Mean cross-entropy of the run's {@code loss} in its {@code loss_dtype}: softmax (the cast
     * happens inside log_softmax) or StableMax, log(s(x_y)/Σ s(x)) with s(x) = x + 1 for x ≥ 0 and
     * 1/(1 − x) below, computed after casting the logits.
     */
    public static NDArray of(TrainConfig c, NDArray logits, NDArray labels) {
        DataType type = c.lossDtype().equals("float32") ? DataType.FLOAT32 : DataType.FLOAT64;
        NDArray logp = c.loss().equals("stablemax")
                ? logStablemax(cast(logits, type)) // [B, V]
                : JniUtils.logSoftmax((PtNDArray) logits, 1, type); // [B, V]
        return logp.gather(labels.expandDims(1), 1).mean().neg(); // []
    }

    /** A loss as a Java double, whatever its dtype. */
    public static double value(NDArray loss) {
        return loss.toType(DataType.FLOAT64, false).getDouble();
    }

    /**
     * {@code x} in {@code type}, differentiably: DJL's toType() (and torch's {@code to} as DJL
     * binds it) cuts the graph, but adding zeros of the wider type promotes as torch does, with
     * gradient 1. Only widening is needed: loss_dtype float32 requires dtype float32.
     */
    private static NDArray cast(NDArray x, DataType type) {
        if (x.getDataType() == type) {
            return x;
        }
        return x.add(x.getManager().zeros(new Shape(x.getShape().get(1)), type)); // [B, V]
    }

    /**
     * log StableMax over the last axis. s(x) = (1 + relu(x)) / (1 + relu(−x)) is the paper's s
     * in one expression; unlike their torch.where form, no branch ever divides by a number near 0,
     * so neither branch's gradient can overflow to infinity and poison the other with inf·0.
     */
    static NDArray logStablemax(NDArray x) {
        NDArray one = x.getManager().create(1.0).toType(x.getDataType(), false); // outlives backward: see Transformer.constant
        NDArray s = relu(x).add(one).div(relu(x.neg()).add(one)); // [B, V]
        return s.div(s.sum(new int[] {1}, true)).log(); // [B, V]
    }

    /**
     * Share of examples in softmax collapse: Σ exp(x − max x) is exactly 1 in float32, so every
     * class but the top one rounds away and a float32 softmax loss has zero gradient there
     * (Prieto et al.'s {@code softmax_collapse}, at their default float32 precision).
     */
    public static double softmaxCollapse(NDArray logits) {
        NDArray x = logits.toType(DataType.FLOAT32, false); // [B, V]
        NDArray sum = x.sub(x.max(new int[] {1}, true)).exp().sum(new int[] {1}); // [B]
        return sum.eq(1f).toType(DataType.FLOAT64, false).mean().getDouble();
    }

    private static NDArray relu(NDArray x) {
        return JniUtils.relu((PtNDArray) x);
    }
}
