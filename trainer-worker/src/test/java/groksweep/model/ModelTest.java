package groksweep.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;
import groksweep.measures.ProgressMeasures;
import groksweep.train.Split;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

class ModelTest {

    /**
     * The fast forward is the textbook forward: same logits, same gradients of every parameter.
     * The transformer's last-position form at the standard attention, at Zhong et al.'s attention
     * rates 0.3 and 0 (constant attention), and with each activation; deeper transformers' form (position 0
     * a table, the last block at position 2 only) with 2–4 blocks; the MLP's table form with
     * concatenated and summed inputs and each activation.
     */
    @ParameterizedTest
    @CsvSource({
        "transformer, 11, float32, 1e-5, 1, relu, concat, 1",
        "transformer, 23, float64, 1e-9, 1, relu, concat, 1",
        "transformer, 24, float32, 1e-5, 1, relu, concat, 1",
        "transformer, 23, float64, 1e-9, 0.3, relu, concat, 1",
        "transformer, 11, float64, 1e-9, 0, relu, concat, 1",
        "transformer, 11, float64, 1e-9, 1, gelu, concat, 1",
        "transformer, 11, float64, 1e-9, 1, quadratic, concat, 1",
        "transformer, 23, float64, 1e-9, 1, relu, concat, 2",
        "transformer, 11, float64, 1e-9, 0.3, gelu, concat, 3",
        "transformer, 11, float64, 1e-9, 0, relu, concat, 2",
        "transformer, 24, float32, 1e-5, 1, quadratic, concat, 4",
        "mlp, 23, float64, 1e-9, 1, relu, concat, 1",
        "mlp, 11, float64, 1e-9, 1, quadratic, sum, 1",
        "mlp, 11, float64, 1e-9, 1, gelu, concat, 1",
        "mlp, 24, float32, 1e-5, 1, relu, sum, 1"})
    void fastForwardEqualsTextbook(String kind, int p, String dtype, double tolerance, double attnCoeff,
            String activation, String mlpInput, int layers) {
        Torch.engine();
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", p, "dtype", dtype, "seed", 3, "model", kind,
                "attn_coeff", attnCoeff, "activation", activation, "mlp_input", mlpInput, "n_layers", layers));
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = Model.initialise(c, m);
            Split split = Split.of(c);
            NDArray a = m.create(Split.firstOperands(p, split.train())).expandDims(0); // [1, B]: one run
            NDArray b = m.create(Split.secondOperands(p, split.train())).expandDims(0);
            NDArray y = m.create(Split.labels(c, split.train()));

            double[] fastLogits = logitsOf(model.forward(a, b));
            double[][] fastGrads = gradients(model, () -> model.forward(a, b).logits(), y);
            double[] fullLogits = logitsOf(model.forwardTextbook(a, b));
            double[][] fullGrads = gradients(model, () -> model.forwardTextbook(a, b).logits(), y);

            assertTrue(relativeError(fastLogits, fullLogits) < tolerance, "logits differ");
            for (int i = 0; i < model.names().size(); i++) {
                String name = model.names().get(i);
                if (attnCoeff == 0 && name.matches("W_[QK](\\.\\d+)?")) { // constant attention: no gradient
                    assertEquals(0.0, Arrays.stream(fastGrads[i]).map(Math::abs).max().orElse(0), 0.0);
                    assertEquals(0.0, Arrays.stream(fullGrads[i]).map(Math::abs).max().orElse(0), 0.0);
                    continue;
                }
                double err = relativeError(fastGrads[i], fullGrads[i]);
                assertTrue(err < tolerance, name + " gradient differs by " + err);
            }
            long vocab = kind.equals("mlp") ? p : p + 1; // the MLP has no "=" token
            assertEquals(vocab, model.param("W_E").getShape().get(2)); // [R, D, V]
        }
    }

    /**
     * More blocks add parameters after the first block's, drawn after them: the first block, W_E
     * and W_pos of a deeper model are those of the one-block model with the same seed.
     */
    @Test
    void deeperTransformersExtendTheOneBlockModel() {
        Torch.engine();
        TrainConfig one = TrainConfig.defaults().with(Map.of("modulus", 7, "d_model", 8, "n_heads", 2, "d_mlp", 16));
        TrainConfig three = one.with("n_layers", 3);
        assertEquals(Transformer.NAMES, Transformer.names(1));
        assertEquals(List.of("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_in", "b_in", "W_out", "b_out", "W_U"),
                Transformer.NAMES, "the paper's names and order, which exported files rely on");
        assertEquals(2 + 3 * 8 + 1, Model.names(three).size());
        assertTrue(Model.names(three).containsAll(List.of("W_Q.1", "b_out.2")));
        try (NDManager m = NDManager.newBaseManager()) {
            Model shallow = Model.initialise(one, m);
            Model deep = Model.initialise(three, m);
            for (String name : List.of("W_E", "W_pos", "W_Q", "W_out")) {
                assertEquals(0.0, relativeError(values(deep.param(name)), values(shallow.param(name))), 0.0, name);
            }
            assertTrue(relativeError(values(deep.param("W_Q.1")), values(shallow.param("W_Q"))) > 0.1,
                    "a later block has its own weights");
            assertEquals(3, Model.names(three).stream().filter(n -> n.startsWith("W_in")).count());
        }
    }

    /**
     * Gradient symmetricity is 1 where a and b enter only through E_a + E_b: the MLP with summed
     * inputs, and the transformer with constant attention (whose head adds the values of a and b).
     * With concatenated MLP inputs it is not. (A fresh transformer with the standard attention is
     * close to 1, 0.9998 here: its scores start near zero, so its attention starts near uniform.)
     */
    @ParameterizedTest
    @CsvSource({"mlp, sum, 1, true", "transformer, concat, 0, true", "mlp, concat, 1, false"})
    void gradientSymmetricityIsOneForSymmetricInputs(String kind, String mlpInput, double attnCoeff, boolean one) {
        Torch.engine();
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 11, "dtype", "float64", "seed", 5,
                "model", kind, "mlp_input", mlpInput, "attn_coeff", attnCoeff));
        try (NDManager m = NDManager.newBaseManager()) {
            double gs = ProgressMeasures.gradientSymmetricity(Model.initialise(c, m), m, 200, 42);
            if (one) {
                assertEquals(1.0, gs, 1e-12);
            } else {
                assertTrue(gs < 0.9, "gradient symmetricity " + gs);
            }
        }
    }

    /**
     * The gradient symmetricity equals the mean cosine of gradients taken by central differences
     * of logit c in each coordinate of E_a and of E_b (float64, a small transformer and MLP).
     */
    @ParameterizedTest
    @CsvSource({"transformer, 2", "mlp, 1"})
    void gradientSymmetricityMatchesFiniteDifferences(String kind, int layers) {
        Torch.engine();
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 7, "dtype", "float64", "seed", 2, "model", kind,
                "d_model", 8, "n_heads", 2, "d_mlp", 16, "activation", "gelu"));
        if (kind.equals("transformer")) {
            c = c.with("n_layers", layers);
        }
        int triples = 20;
        try (NDManager m = NDManager.newBaseManager()) {
            Model model = Model.initialise(c, m);
            double gs = ProgressMeasures.gradientSymmetricity(model, m, triples, 9);
            java.util.SplittableRandom rng = new java.util.SplittableRandom(9); // the same triples
            long[][] abc = new long[3][triples];
            for (int i = 0; i < triples; i++) {
                for (long[] column : abc) {
                    column[i] = rng.nextInt(7);
                }
            }
            double[] embed = values(model.param("W_E").get(0).transpose()); // [V, D] row-major
            int d = 8;
            double sum = 0;
            try (GradMode off = GradMode.disabled()) {
                for (int t = 0; t < triples; t++) {
                    double[] ea = Arrays.copyOfRange(embed, (int) abc[0][t] * d, (int) abc[0][t] * d + d);
                    double[] eb = Arrays.copyOfRange(embed, (int) abc[1][t] * d, (int) abc[1][t] * d + d);
                    double[] ga = new double[d], gb = new double[d];
                    double h = 1e-6;
                    for (int j = 0; j < d; j++) {
                        ga[j] = (logit(model, m, bump(ea, j, h), eb, abc[2][t]) - logit(model, m, bump(ea, j, -h), eb, abc[2][t])) / (2 * h);
                        gb[j] = (logit(model, m, ea, bump(eb, j, h), abc[2][t]) - logit(model, m, ea, bump(eb, j, -h), abc[2][t])) / (2 * h);
                    }
                    sum += dot(ga, gb) / Math.sqrt(dot(ga, ga) * dot(gb, gb));
                }
            }
            assertEquals(sum / triples, gs, 1e-7);
        }
    }

    private static double logit(Model model, NDManager m, double[] ea, double[] eb, long c) {
        try (NDManager scope = m.newSubManager()) {
            NDArray logits = model.forwardEmbedded(scope.create(ea).reshape(1, 1, -1), scope.create(eb).reshape(1, 1, -1))
                    .logits(); // [1, 1, V]
            return logits.toType(DataType.FLOAT64, false).toDoubleArray()[(int) c];
        }
    }

    private static double[] bump(double[] x, int j, double h) {
        double[] y = x.clone();
        y[j] += h;
        return y;
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static double[] values(NDArray x) {
        return x.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[] logitsOf(Model.Output out) {
        return out.logits().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[][] gradients(Model model, Supplier<NDArray> logits, NDArray labels) {
        try (GradMode g = GradMode.enabled()) {
            GradMode.backward(Model.crossEntropy(logits.get().get(0), labels));
        }
        double[][] grads = new double[model.params().size()][];
        for (int i = 0; i < grads.length; i++) {
            PtNDArray w = (PtNDArray) model.params().get(i);
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
