package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import groksweep.config.TrainConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * product with the embedding from a table over the vocabulary (one table when the inputs are
 * summed), so no example pays for the embedding; {@link #forwardEmbedded} is the textbook form,
 * and a test shows they agree.
 */
public final class Mlp extends Network {

    public static final List<String> NAMES = List.of("W_E", "W_in", "b_in", "W_U");

    public final int dModel;
    public final boolean concat;

    /** Wraps existing parameters (in {@link #NAMES} order, [R, ...] each). */
    Mlp(TrainConfig c, NDList params) {
        super(c, NAMES, params);
        this.dModel = c.dModel();
        this.concat = c.mlpInput().equals("concat");
    }

    @Override
    public Model with(NDList params) {
        return new Mlp(config(), params);
    }

    /** The parameters' shapes by name, in {@link #NAMES} order (without the run axis). */
    static Map<String, long[]> shapes(TrainConfig c) {
        long v = c.modulus(), d = c.dModel(), m = c.dMlp();
        long in = c.mlpInput().equals("concat") ? 2 * d : d;
        Map<String, long[]> out = new LinkedHashMap<>();
        out.put("W_E", new long[] {d, v}); // [D, V]
        out.put("W_in", new long[] {m, in}); // [M, I]
        out.put("b_in", new long[] {m}); // [M]
        out.put("W_U", new long[] {m, v}); // [M, V]
        return out;
    }

    @Override
    NDArray neuronLogits(Weights w) {
        return w.get("W_U").swapAxes(-1, -2); // [(R,) V, M]
    }

    @Override
    Output fast(Weights w, NDArray a, NDArray b) {
        NDArray W_in = w.get("W_in");
        NDArray embed = w.get("W_E").swapAxes(-1, -2); // [(R,) V, D]
        NDArray readA = concat ? W_in.get("..., :" + dModel) : W_in; // [(R,) M, D] the part of W_in that reads a
        NDArray tableA = Runs.mm(embed, readA.swapAxes(-1, -2)); // [(R,) V, M] what a adds to the hidden layer, per token
        // Summed inputs read a and b through the same W_in, so one table serves both.
        NDArray tableB = concat ? Runs.mm(embed, W_in.get("..., " + dModel + ":").swapAxes(-1, -2)) : tableA; // [(R,) V, M]
        NDArray bias = w.one ? w.get("b_in") : w.get("b_in").expandDims(1); // [(R, 1,) M]
        NDArray pre = Runs.gather(a, tableA).add(Runs.gather(b, tableB)).add(bias); // [(R,) B, M]
        NDArray hidden = Model.activation(activation, pre); // [(R,) B, M]
        return new Output(Runs.mm(hidden, w.get("W_U")), hidden); // [(R,) B, V]
    }

    @Override
    Output textbook(Weights w, NDArray ea, NDArray eb) {
        NDArray x = concat ? ea.concat(eb, -1) : ea.add(eb); // [(R,) B, I]
        NDArray hidden = Model.activation(activation, Runs.linear(x, w.get("W_in"), w.get("b_in"))); // [(R,) B, M]
        return new Output(Runs.mm(hidden, w.get("W_U")), hidden); // [(R,) B, V]
    }
}
