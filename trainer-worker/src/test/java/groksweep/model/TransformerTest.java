package groksweep.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;
import groksweep.train.GradMode;
import groksweep.train.Split;
import groksweep.worker.Torch;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;

class TransformerTest {

    /**
     * The last-position forward is the full-sequence forward: same logits, same gradients, at the
     * standard attention and at Zhong et al.'s attention rates 0.3 and 0 (constant attention).
     */
    @ParameterizedTest
    @CsvSource({"11, float32, 1e-5, 1", "23, float64, 1e-9, 1", "24, float32, 1e-5, 1", "23, float64, 1e-9, 0.3",
        "11, float64, 1e-9, 0"})
    void fastForwardEqualsFullSequence(int p, String dtype, double tolerance, double attnCoeff) {
        Torch.engine();
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", p, "dtype", dtype, "seed", 3,
                "attn_coeff", attnCoeff));
        try (NDManager m = NDManager.newBaseManager()) {
            Transformer model = Transformer.initialise(c, m);
            Split split = Split.of(c);
            NDArray a = m.create(Split.firstOperands(p, split.train()));
            NDArray b = m.create(Split.secondOperands(p, split.train()));
            NDArray y = m.create(Split.labels(groksweep.config.Operation.ADD, p, split.train()));

            double[] fastLogits = logitsOf(model.forward(a, b));
            double[][] fastGrads = gradients(model, () -> model.forward(a, b).logits(), y);
            double[] fullLogits = logitsOf(model.forwardFullSequence(a, b));
            double[][] fullGrads = gradients(model, () -> model.forwardFullSequence(a, b).logits(), y);

            assertTrue(relativeError(fastLogits, fullLogits) < tolerance, "logits differ");
            for (int i = 0; i < Transformer.NAMES.size(); i++) {
                if (attnCoeff == 0 && Transformer.NAMES.get(i).matches("W_[QK]")) { // constant attention: no gradient
                    assertEquals(0.0, Arrays.stream(fastGrads[i]).map(Math::abs).max().orElse(0), 0.0);
                    assertEquals(0.0, Arrays.stream(fullGrads[i]).map(Math::abs).max().orElse(0), 0.0);
                    continue;
                }
                double err = relativeError(fastGrads[i], fullGrads[i]);
                assertTrue(err < tolerance, Transformer.NAMES.get(i) + " gradient differs by " + err);
            }
            assertEquals(p + 1, model.param("W_E").getShape().get(1), "vocabulary is p + 1");
        }
    }

    private static double[] logitsOf(Transformer.Output out) {
        return out.logits().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[][] gradients(Transformer model, Supplier<NDArray> logits, NDArray labels) {
        try (GradMode g = GradMode.enabled()) {
            GradMode.backward(Transformer.crossEntropy(logits.get(), labels));
        }
        double[][] grads = new double[model.params.size()][];
        for (int i = 0; i < grads.length; i++) {
            PtNDArray w = (PtNDArray) model.params.get(i);
            grads[i] = JniUtils.getGradient(w).toType(DataType.FLOAT64, false).toDoubleArray();
            JniUtils.zeroGrad(w);
        }
        return grads;
    }

    /** max |x − y| / max |y|: relative to the tensor's scale, so near-zero entries don't dominate. */
    static double relativeError(double[] x, double[] y) {
        assertEquals(y.length, x.length);
        double diff = 0, scale = 0;
        for (int i = 0; i < x.length; i++) {
            diff = Math.max(diff, Math.abs(x[i] - y[i]));
            scale = Math.max(scale, Math.abs(y[i]));
        }
        assertTrue(scale > 0, "reference is all zeros");
        return diff / scale;
    }
}
