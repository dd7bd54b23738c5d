package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * R runs of one network that reads {@code (a, b)} and gives logits over the vocabulary: the
 * {@link Transformer} or the {@link Mlp}, chosen by the {@code model} option. Every parameter is
 * the runs' parameters stacked on a leading run axis, [R, ...], and run r's outputs read only run
 * r's parameters and examples, so the gradient of the runs' summed losses is each run's own. A
 * single run is R = 1, for which every product takes the single-run kernel ({@link Runs}). Each
 * network has a fast forward for training and a textbook forward from the token embeddings of a
 * and b (for the gradient symmetricity, and for the tests that show the two agree).
 *
 * <p>Dimensions: R runs, B batch, D d_model, M d_mlp, V vocabulary.
 */
public interface Model {

    /** Logits [R, B, V] and the hidden MLP activations that the logits read (at the last position), [R, B, M]. */
    record Output(NDArray logits, NDArray hidden) {}

    /** The parameters in {@link #names()} order, each [R, ...] and named. */
    NDList params();

    /** Parameter names, in the export and checkpoint order. */
    List<String> names();

    /** The options that shape the network (every run's are the same). */
    TrainConfig config();

    int modulus();

    DataType dtype();

    /** The number of runs R. */
    default long runs() {
        return Runs.runs(params().head());
    }

    /** The fast forward for examples {@code (a, b)}, int64 [R, B]. */
    Output forward(NDArray a, NDArray b);

    /** The textbook forward from the token embeddings of a and of b, [R, B, D] each. */
    Output forwardEmbedded(NDArray ea, NDArray eb);

    /** W_L: how each hidden neuron writes to each logit, [R, V, M]. */
    NDArray neuronLogits();

    /** The same network over other parameters, in {@link #names()} order, [R', ...] each. */
    Model with(NDList params);

    /** The textbook forward for examples {@code (a, b)}, int64 [R, B]. */
    Output forwardTextbook(NDArray a, NDArray b);

    /** The parameter called {@code name} (one of {@link #names()}), [R, ...]. */
    default NDArray param(String name) {
        int i = names().indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no parameter " + name + " in " + names());
        }
        return params().get(i);
    }

    /** Σ of squared parameters per run, in float64: the quantity weight decay shrinks, [R] as Java values. */
    default double[] sumSquaredWeights() {
        double[] total = new double[(int) runs()];
        for (NDArray w : params()) {
            double[] each = Runs.squareSums(w);
            for (int r = 0; r < total.length; r++) {
                total[r] += each[r];
            }
        }
        return total;
    }

    /** Run {@code r} alone (R = 1) over copies of its parameters, in {@code manager}; cut from any graph. */
    default Model run(int r, NDManager manager) {
        NDList copies = new NDList();
        for (NDArray w : params()) {
            NDArray x = w.get(r + ":" + (r + 1)).duplicate();
            x.attach(manager);
            copies.add(x);
        }
        return with(copies);
    }

    /** Only the runs {@code kept} (indices, in order), over copies in {@code manager}. */
    default Model select(int[] kept, NDManager manager) {
        NDList copies = new NDList();
        try (NDArray index = manager.create(java.util.Arrays.stream(kept).asLongStream().toArray())) {
            for (NDArray w : params()) {
                NDArray x = w.get(index);
                NDArray leaf = x.stopGradient(); // a new leaf
                leaf.attach(manager);
                x.close();
                copies.add(leaf);
            }
        }
        return with(copies);
    }

    /** The runs' models (each of R = 1, of one shape) as one model of R runs, in {@code manager}. */
    static Model stack(List<Model> runs, NDManager manager) {
        Model first = runs.get(0);
        NDList stacked = new NDList();
        for (int i = 0; i < first.names().size(); i++) {
            NDList each = new NDList();
            for (Model m : runs) {
                each.add(m.params().get(i));
            }
            NDArray w = NDArrays.concat(each).stopGradient(); // a leaf, whatever the thread's grad mode
            w.attach(manager);
            stacked.add(w);
        }
        return first.with(stacked);
    }

    /**
     * A fresh run (R = 1) of the configured model: N(0, 1) scaled by 1/√d_model (W_U by 1/√d_vocab),
     * biases zero, all times {@code init_scale} (Omnigrok's α; 1 leaves every value as it was),
     * drawn from the init seed in {@link #names} order (so a deeper transformer's first block is the
     * one-block model's), in the order torch's randn fills them.
     */
    static Model initialise(TrainConfig c, NDManager manager) {
        SplittableRandom rng = new SplittableRandom(c.initSeed());
        DataType type = dataType(c);
        NDList params = new NDList();
        for (Map.Entry<String, long[]> p : shapes(c).entrySet()) {
            long[] shape = p.getValue();
            double sd = c.initScale() / Math.sqrt(p.getKey().equals("W_U") ? shape[shape.length - 1] : c.dModel());
            params.add(p.getKey().startsWith("b_") ? manager.zeros(new Shape(1).addAll(new Shape(shape)), type)
                    : normal(manager, rng, type, sd, shape));
        }
        return c.model().equals("mlp") ? new Mlp(c, params) : new Transformer(c, params);
    }

    /** The configured model's parameter shapes by name, in export order, without the run axis: defined once per model. */
    static Map<String, long[]> shapes(TrainConfig c) {
        return c.model().equals("mlp") ? Mlp.shapes(c) : Transformer.shapes(c);
    }

    /** The number of values in one run's parameters. */
    static long parameters(TrainConfig c) {
        return shapes(c).values().stream().mapToLong(s -> java.util.Arrays.stream(s).reduce(1, (x, y) -> x * y)).sum();
    }

    /** One run's parameters ({@link #names(TrainConfig)} order, without the run axis, e.g. from a file) as a model of R = 1. */
    static Model of(TrainConfig c, NDList params) {
        NDList withRunAxis = new NDList();
        for (NDArray w : params) {
            NDArray x = w.expandDims(0).stopGradient(); // a leaf over the same values
            x.attach(w.getManager());
            withRunAxis.add(x);
        }
        return c.model().equals("mlp") ? new Mlp(c, withRunAxis) : new Transformer(c, withRunAxis);
    }

    /** The parameter names of the configured model. */
    static List<String> names(TrainConfig c) {
        return List.copyOf(shapes(c).keySet());
    }

    /** This model over the same values, cut from the training graph: its gradients never reach ours. */
    static Model detached(Model model, NDManager scope) {
        NDList copies = new NDList();
        for (NDArray w : model.params()) {
            NDArray d = w.stopGradient();
            d.attach(scope);
            copies.add(d);
        }
        return model.with(copies);
    }

    /**
     * Cross-entropy of the logits [B, V], log-softmax in float64 as in Nanda et al.'s code. The cast
     * happens inside log_softmax: DJL's toType() is not differentiable and would cut the graph.
     */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = JniUtils.logSoftmax((PtNDArray) logits, 1, DataType.FLOAT64); // [B, V]
        return logp.gather(labels.expandDims(1), 1).mean().neg(); // []
    }

    /** Number of examples whose arg-max logit is the label: logits [B, V], labels [B]. */
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

    /** N(0, sd²) values from {@code rng}, in the order torch's randn would fill them, with a run axis of 1: [1, shape]. */
    static NDArray normal(NDManager manager, SplittableRandom rng, DataType type, double sd, long... shape) {
        Shape s = new Shape(shape);
        double[] values = new double[Math.toIntExact(s.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = rng.nextGaussian() * sd;
        }
        return manager.create(values, new Shape(1).addAll(s)).toType(type, false);
    }
}
