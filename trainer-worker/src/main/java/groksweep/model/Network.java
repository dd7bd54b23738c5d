package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import groksweep.config.TrainConfig;

import java.util.List;

/**
 * What every {@link Model} keeps, its options and its named, trainable parameters ([R, ...] each),
 * and how its forwards run: each network writes them once, in shapes [(R,) ...] ({@link Runs}). A
 * single run's forward reads its parameters and examples without the run axis, each parameter
 * viewed once per forward and the axis restored on the outputs, so it runs the 2-D kernels and
 * the graph a single run always had.
 */
abstract class Network implements Model {
    private final TrainConfig config;
    private final List<String> names;
    private final NDList params; // in names order
    public final int p;
    public final DataType dtype;
    public final String activation;

    Network(TrainConfig c, List<String> names, NDList params) {
        this.config = c;
        this.names = names;
        this.params = params;
        this.p = c.modulus();
        this.dtype = Model.dataType(c);
        this.activation = c.activation();
        for (int i = 0; i < names.size(); i++) {
            params.get(i).setName(names.get(i));
            params.get(i).setRequiresGradient(true);
        }
    }

    /** The parameters as one forward reads them: a single run's without the run axis. */
    final class Weights {
        final boolean one = runs() == 1;
        private final NDList values = new NDList();

        Weights() {
            params.forEach(w -> values.add(one ? w.squeeze(0) : w));
        }

        NDArray get(String name) {
            return values.get(names.indexOf(name));
        }

        /** An input [R, ...] as the forward reads it. */
        NDArray in(NDArray x) {
            return one ? x.squeeze(0) : x;
        }

        /** An output as the caller sees it: [R, ...]. */
        NDArray out(NDArray x) {
            return one ? x.expandDims(0) : x;
        }

        Output out(Output o) {
            return new Output(out(o.logits()), out(o.hidden()));
        }
    }

    /** The fast forward for examples a, b [(R,) B]. */
    abstract Output fast(Weights w, NDArray a, NDArray b);

    /** The textbook forward from token embeddings [(R,) B, D]. */
    abstract Output textbook(Weights w, NDArray ea, NDArray eb);

    /** W_L [(R,) V, M]. */
    abstract NDArray neuronLogits(Weights w);

    @Override
    public final Output forward(NDArray a, NDArray b) {
        Weights w = new Weights();
        return w.out(fast(w, w.in(a), w.in(b)));
    }

    @Override
    public final Output forwardTextbook(NDArray a, NDArray b) {
        Weights w = new Weights();
        return w.out(textbookOf(w, w.in(a), w.in(b)));
    }

    @Override
    public final Output forwardEmbedded(NDArray ea, NDArray eb) {
        Weights w = new Weights();
        return w.out(textbook(w, w.in(ea), w.in(eb)));
    }

    @Override
    public final NDArray neuronLogits() {
        Weights w = new Weights();
        return w.out(neuronLogits(w));
    }

    /** The textbook forward for examples a, b [(R,) B]: their embeddings through {@link #textbook}. */
    final Output textbookOf(Weights w, NDArray a, NDArray b) {
        NDArray embed = w.get("W_E").swapAxes(-1, -2); // [(R,) V, D]
        return textbook(w, Runs.gather(a, embed), Runs.gather(b, embed));
    }

    @Override
    public NDList params() {
        return params;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public TrainConfig config() {
        return config;
    }

    @Override
    public int modulus() {
        return p;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    /**
     * A scalar in the model's dtype, owned by the step's manager (that of {@code like}) so that it
     * outlives the backward pass. Never use DJL's {@code op(Number)} under autograd: it wraps the
     * number in a tensor over a Java buffer and closes it at once, but autograd keeps that tensor
     * for the backward pass, where it reads memory the garbage collector may have freed.
     */
    NDArray constant(NDArray like, double value) {
        return like.getManager().create(value).toType(dtype, false);
    }
}
