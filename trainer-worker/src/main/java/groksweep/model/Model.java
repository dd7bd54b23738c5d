package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A network that reads {@code (a, b)} and gives logits over the vocabulary: the {@link Transformer}
 * or the {@link Mlp}, chosen by the {@code model} option. Each has a fast forward for training and
 * a textbook forward from the token embeddings of a and b (for the gradient symmetricity, and for
 * the tests that show the two agree).
 *
 * <p>Dimensions: B batch, D d_model, M d_mlp, V vocabulary.
 */
public interface Model {

    /** Logits and the hidden MLP activations that the logits read (at the last position). */
    record Output(NDArray logits, NDArray hidden) {}

    /** The parameters in {@link #names()} order, each named. */
    NDList params();

    /** Parameter names, in the export and checkpoint order. */
    List<String> names();

    /** The options the model was built from. */
    TrainConfig config();

    int modulus();

    DataType dtype();

    /** The fast forward for examples {@code (a, b)}, int64 [B]. */
    Output forward(NDArray a, NDArray b);

    /** The textbook forward from the token embeddings of a and of b, [B, D] each. */
    Output forwardEmbedded(NDArray ea, NDArray eb);

    /** W_L: how each hidden neuron writes to each logit, [V, M]. */
    NDArray neuronLogits();

    /** The textbook forward for examples {@code (a, b)}, int64 [B]. */
    default Output forwardTextbook(NDArray a, NDArray b) {
        NDArray embed = param("W_E").transpose(); // [V, D]
        return forwardEmbedded(embedding(a, embed), embedding(b, embed));
    }

    /** The parameter called {@code name} (one of {@link #names()}). */
    default NDArray param(String name) {
        int i = names().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no parameter " + name + " in " + names());
        }
        return params().get(i);
    }

    /** Σ of squared parameters: the quantity weight decay shrinks. */
    default double sumSquaredWeights() {
        double total = 0;
        for (NDArray w : params()) {
            try (NDArray sq = w.toType(DataType.FLOAT64, false).square().sum()) {
                total += sq.getDouble();
            }
        }
        return total;
    }

    /** Fresh parameters for the configured model. */
    static Model initialise(TrainConfig c, NDManager manager) {
        return c.model().equals("mlp") ? Mlp.initialise(c, manager) : Transformer.initialise(c, manager);
    }

    /** Wraps existing parameters, in {@link #names(TrainConfig)} order. */
    static Model of(TrainConfig c, NDList params) {
        return c.model().equals("mlp") ? new Mlp(c, params) : new Transformer(c, params);
    }

    /** The parameter names of the configured model. */
    static List<String> names(TrainConfig c) {
        return c.model().equals("mlp") ? Mlp.NAMES : Transformer.names(c.nLayers());
    }

    /** This model over the same values, cut from the training graph: its gradients never reach ours. */
    static Model detached(Model model, NDManager scope) {
        NDList copies = new NDList();
        for (NDArray w : model.params()) {
            NDArray d = w.stopGradient();
            d.attach(scope);
            copies.add(d);
        }
        return of(model.config(), copies);
    }

    /**
     * Cross-entropy of the logits, log-softmax in float64 as in Nanda et al.'s code. The cast happens
     * inside log_softmax: DJL's toType() is not differentiable and would cut the graph.
     */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = JniUtils.logSoftmax((PtNDArray) logits, 1, DataType.FLOAT64); // [B, V]
        return logp.gather(labels.expandDims(1), 1).mean().neg(); // []
    }

    /** Number of examples whose arg-max logit is the label. */
    static long correct(NDArray logits, NDArray labels) {
        return logits.argMax(1).eq(labels).toType(DataType.INT64, false).sum().getLong();
    }

    static DataType dataType(TrainConfig c) {
        return c.dtype().equals("float64") ? DataType.FLOAT64 : DataType.FLOAT32;
    }

    /** The MLP nonlinearity named by the {@code activation} option. */
    static NDArray activation(String name, NDArray x) {
        return switch (name) {
            case "relu" -> JniUtils.relu((PtNDArray) x);
            case "gelu" -> JniUtils.gelu((PtNDArray) x); // torch's default: exact, with erf
            case "quadratic" -> x.square(); // Gromov (2023)
            default -> throw new IllegalArgumentException("activation " + name);
        };
    }

    static NDArray embedding(NDArray indices, NDArray table) {
        return JniUtils.embedding((PtNDArray) indices, (PtNDArray) table, false);
    }

    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    /** N(0, sd²) values from {@code rng}, in the order torch's randn would fill them. */
    static NDArray normal(NDManager manager, SplittableRandom rng, DataType type, double sd, long... shape) {
        Shape s = new Shape(shape);
        double[] values = new double[Math.toIntExact(s.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = rng.nextGaussian() * sd;
        }
        return manager.create(values, s).toType(type, false);
    }
}
