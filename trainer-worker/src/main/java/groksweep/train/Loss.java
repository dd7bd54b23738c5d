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
     * The run's {@code loss} in its {@code loss_dtype}: the mean cross-entropy of softmax (the cast
     * happens inside log_softmax) or of StableMax, log(s(x_y)/Σ s(x)) with s(x) = x + 1 for x ≥ 0
     * and 1/(1 − x) below, computed after casting the logits; or mse, the mean over examples and
     * all V outputs of (x − onehot(y))², as torch's F.mse_loss against one-hot targets (Doshi et al.).
     */
    public static NDArray of(TrainConfig c, NDArray logits, NDArray labels) {
        if (c.loss().equals("mse")) {
            return squaredErrors(c, logits, labels).mean(); // []
        }
        return labelLogProbs(c, logits, labels).mean().neg(); // []
    }

    /** The loss of each run: logits [R, B, V], labels [R, B]; gives [R]. One run's is {@link #of} on its own rows. */
    public static NDArray perRun(TrainConfig c, NDArray logits, NDArray labels) {
        if (logits.getShape().get(0) == 1) {
            return of(c, logits.squeeze(0), labels.squeeze(0)).reshape(1); // [1]
        }
        if (c.loss().equals("mse")) {
            return squaredErrors(c, logits, labels).reshape(logits.getShape().get(0), -1).mean(new int[] {1}); // [R]
        }
        return labelLogProbs(c, logits, labels).squeeze(2).mean(new int[] {1}).neg(); // [R]
    }

    /** (x − onehot(y))² per example and output, in the loss dtype: [..., V]. */
    private static NDArray squaredErrors(TrainConfig c, NDArray logits, NDArray labels) {
        DataType type = c.lossDtype().equals("float32") ? DataType.FLOAT32 : DataType.FLOAT64;
        int v = (int) logits.getShape().getLastDimension();
        return cast(logits, type).sub(labels.oneHot(v).toType(type, false)).square(); // [..., V]
    }

    /** log q(label) of each example, over the last axis of the logits: [..., 1]. */
    private static NDArray labelLogProbs(TrainConfig c, NDArray logits, NDArray labels) {
        DataType type = c.lossDtype().equals("float32") ? DataType.FLOAT32 : DataType.FLOAT64;
        int last = logits.getShape().dimension() - 1;
        NDArray logp = c.loss().equals("stablemax")
                ? logStablemax(cast(logits, type)) // [..., V]
                : JniUtils.logSoftmax((PtNDArray) logits, last, type); // [..., V]
        return logp.gather(labels.expandDims(last), last); // [..., 1]
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
        return x.add(x.getManager().zeros(new Shape(x.getShape().getLastDimension()), type)); // [..., V]
    }

    /**
     * log StableMax over the last axis ([..., V]). s(x) = (1 + relu(x)) / (1 + relu(−x)) is the paper's s
     * in one expression; unlike their torch.where form, no branch ever divides by a number near 0,
     * so neither branch's gradient can overflow to infinity and poison the other with inf·0.
     */
    static NDArray logStablemax(NDArray x) {
        NDArray one = x.getManager().create(1.0).toType(x.getDataType(), false); // outlives backward: see Transformer.constant
        NDArray s = relu(x).add(one).div(relu(x.neg()).add(one)); // [..., V]
        return s.div(s.sum(new int[] {x.getShape().dimension() - 1}, true)).log(); // [..., V]
    }

    /**
     * Share of examples in softmax collapse: Σ exp(x − max x) is exactly 1 in float32, so every
     * class but the top one rounds away and a float32 softmax loss has zero gradient there
     * (Prieto et al.'s {@code softmax_collapse}, at their default float32 precision).
     */
    public static double softmaxCollapse(NDArray logits) {
        return collapsed(logits).mean().getDouble();
    }

    /** {@link #softmaxCollapse} of each run: logits [R, B, V]; gives [R]. */
    public static double[] softmaxCollapsePerRun(NDArray logits) {
        return groksweep.model.Runs.means(collapsed(logits)).toDoubleArray();
    }

    /** 1 where an example is in softmax collapse, else 0: [...], float64. */
    private static NDArray collapsed(NDArray logits) {
        int last = logits.getShape().dimension() - 1;
        NDArray x = logits.toType(DataType.FLOAT32, false); // [..., V]
        NDArray sum = x.sub(x.max(new int[] {last}, true)).exp().sum(new int[] {last}); // [...]
        return sum.eq(1f).toType(DataType.FLOAT64, false);
    }

    private static NDArray relu(NDArray x) {
        return JniUtils.relu((PtNDArray) x);
    }
}
