package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import groksweep.config.TrainConfig;
import groksweep.model.GradMode;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;

import java.util.Map;

class LossTest {

    private static final float[] LOGITS = {2.0f, -1.0f, 0.5f, -3.0f, -0.25f, 4.0f, 1.5f, 0.0001f}; // [2, 4]
    private static final long[] LABELS = {0, 2};

    /** Loss and gradient of float32 logits [2, 4] under {@code options}. */
    private static double[] lossAndGradient(Map<String, Object> options) {
        Torch.engine();
        TrainConfig c = TrainConfig.defaults().with(options);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(LOGITS, new Shape(2, 4));
            x.setRequiresGradient(true);
            double loss;
            try (GradMode g = GradMode.enabled()) {
                NDArray l = Loss.of(c, x, m.create(LABELS));
                loss = Loss.value(l);
                GradMode.backward(l);
            }
            float[] grad = x.getGradient().toFloatArray();
            double[] out = new double[1 + grad.length];
            out[0] = loss;
            for (int i = 0; i < grad.length; i++) {
                out[i + 1] = grad[i];
            }
            return out;
        }
    }

    /**
     * Prieto et al.'s stablemax_cross_entropy in torch on these float32 logits: cast to float64,
     * s(x) = x + 1 or 1/(1 − x + 1e-30), −mean log(s(x_y)/Σ s(x)). The gradient reaches the float32
     * logits through the cast; a cast that cut the graph would leave it zero.
     */
    @Test
    void stablemaxMatchesThePapersDefinition() {
        double[] expected = {0.9366751044252843,
            -0.0714285746216774, 0.02380952425301075, 0.095238097012043, 0.0059523810632526875,
            0.03440823033452034, 0.05376286432147026, -0.14623713493347168, 0.05376286432147026};
        assertArrayEquals(expected, lossAndGradient(Map.of("loss", "stablemax")), 1e-7);
        assertEquals(expected[0], lossAndGradient(Map.of("loss", "stablemax"))[0], 1e-15); // float64 loss
    }

    /** torch's F.mse_loss of the logits, cast to float64, against one-hot targets: mean over all 8 entries. */
    @Test
    void mseMatchesTorch() {
        double[] expected = {3.44531250125, 0.25, -0.25, 0.125, -0.75, -0.0625, 1.0, 0.125, 2.499999936844688e-05};
        double[] actual = lossAndGradient(Map.of("loss", "mse"));
        assertArrayEquals(expected, actual, 1e-12);
    }

    /** torch's log_softmax cross-entropy in float32 on the same logits. */
    @Test
    void softmaxInFloat32MatchesTorch() {
        double[] expected = {1.4275729656219482,
            -0.10926973819732666, 0.019453315064311028, 0.08718370646238327, 0.0026327199302613735,
            0.006398431025445461, 0.4485645890235901, -0.4631795883178711, 0.008216566406190395};
        double[] actual = lossAndGradient(Map.of("loss_dtype", "float32"));
        assertArrayEquals(expected, actual, 1e-7);
        assertEquals(expected[0], actual[0], 0.0); // float32 throughout: the very same rounding
        double float64 = lossAndGradient(Map.of())[0];
        assertEquals(expected[0], float64, 1e-6);
    }

    /**
     * Collapse needs every gap to the top logit beyond float32's reach: exp(−17) ≈ 4e-8 is below half
     * an ulp of 1 (6e-8) and vanishes; exp(−16) ≈ 1.1e-7 does not, nor do many small terms together.
     */
    @Test
    void softmaxCollapseCountsRowsWhoseSoftmaxIsExactlyOneHot() {
        Torch.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(new float[] {
                20, 3, 2.5f, 0, // gaps ≥ 17: collapsed
                20, 4, 0, 0, // gap 16: 1.1e-7 survives
                -5, 30, 12, 12, // collapsed, whatever the top class
                1, 1, 1, 1}, new Shape(4, 4));
            assertEquals(0.5, Loss.softmaxCollapse(logits), 0.0);
            assertEquals(0.5, Loss.softmaxCollapse(logits.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)), 0.0);
        }
    }
}
