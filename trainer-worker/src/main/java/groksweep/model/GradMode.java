package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's autograd switch for the calling thread, restored on close.
 *
 * <p>DJL's own {@code PtGradientCollector} keeps a JVM-wide "already collecting" flag, so two
 * runs training at once in one executor JVM (Spark {@code local[2]}, or an executor with two
 * cores) fail. Grad mode in libtorch is per thread, so this scope lets them run side by side.
 */
public final class GradMode implements AutoCloseable {
    private final boolean previous;

    private GradMode(boolean enabled) {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    /** Records operations for {@link #backward} until closed. */
    public static GradMode enabled() {
        return new GradMode(true);
    }

    /** No graph is built until closed: evaluation and optimizer updates. */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    /** Accumulates d(loss)/d(w) into every w that requires a gradient; loss is a scalar. */
    public static void backward(NDArray loss) {
        try (NDArray one = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) one, false, false);
        }
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
