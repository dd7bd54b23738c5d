package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import groksweep.config.TrainConfig;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The MLP of the grokking literature (Liu et al. 2022, "Towards understanding grokking"; Gromov
 * 2023, "Grokking modular arithmetic"): a shared embedding of a and b, combined by concatenation
 * {@code [E_a, E_b]} or by sum {@code E_a + E_b} ({@code mlp_input}), one hidden layer of width
 * d_mlp with {@code activation} (relu, gelu, or Gromov's quadratic), and an unembedding.
 *
 * <p>Dimensions: B batch, D d_model (the embedding width), I the hidden layer's input (2D for
 * concat, D for sum), M d_mlp, V vocabulary (p: there is no {@code =} token).
 *
 * <p>{@link #forward} splits W_in into the parts that read a and b and gathers each part's
 * product with the embedding from a table over the vocabulary, so no example pays for the
 * embedding; {@link #forwardEmbedded} is the textbook form, and a test shows they agree.
 */
public final class Mlp extends Network {

    public static final List<String> NAMES = List.of("W_E", "W_in", "b_in", "W_U");

    public final int dModel;
    public final boolean concat;
    final NDArray W_E, W_in, b_in, W_U;

    /** Wraps existing parameters (in {@link #NAMES} order). */
    public Mlp(TrainConfig c, NDList params) {
        super(c, NAMES, params);
        this.dModel = c.dModel();
        this.concat = c.mlpInput().equals("concat");
        W_E = params.get(0); W_in = params.get(1); b_in = params.get(2); W_U = params.get(3);
    }

    /**
     * Fresh parameters with the transformer's conventions: N(0, 1) scaled by 1/√d_model (W_U by
     * 1/√d_vocab), the bias zero, all times {@code init_scale}.
     */
    public static Mlp initialise(TrainConfig c, NDManager manager) {
        int v = c.modulus(), d = c.dModel(), m = c.dMlp();
        int in = c.mlpInput().equals("concat") ? 2 * d : d;
        SplittableRandom rng = new SplittableRandom(c.initSeed());
        double alpha = c.initScale();
        DataType type = Model.dataType(c);
        return new Mlp(c, new NDList(
                Model.normal(manager, rng, type, alpha / Math.sqrt(d), d, v), // W_E  [D, V]
                Model.normal(manager, rng, type, alpha / Math.sqrt(d), m, in), // W_in [M, I]
                manager.zeros(new Shape(m), type), // b_in [M]
                Model.normal(manager, rng, type, alpha / Math.sqrt(v), m, v))); // W_U [M, V]
    }

    @Override
    public NDArray neuronLogits() {
        return W_U.transpose(); // [V, M]
    }

    @Override
    public Output forward(NDArray a, NDArray b) {
        NDArray embed = W_E.transpose(); // [V, D]
        NDArray readA = concat ? W_in.get(":, :" + dModel) : W_in; // [M, D] the part of W_in that reads a
        NDArray readB = concat ? W_in.get(":, " + dModel + ":") : W_in; // [M, D] the part that reads b
        NDArray pre = Model.embedding(a, embed.matMul(readA.transpose())) // [B, M]
                .add(Model.embedding(b, embed.matMul(readB.transpose()))) // [B, M]
                .add(b_in); // [B, M]
        NDArray hidden = Model.activation(activation, pre); // [B, M]
        return new Output(hidden.matMul(W_U), hidden); // [B, V]
    }

    @Override
    public Output forwardEmbedded(NDArray ea, NDArray eb) {
        NDArray x = concat ? ea.concat(eb, 1) : ea.add(eb); // [B, I]
        NDArray hidden = Model.activation(activation, Model.linear(x, W_in, b_in)); // [B, M]
        return new Output(hidden.matMul(W_U), hidden); // [B, V]
    }
}
