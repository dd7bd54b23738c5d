package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import groksweep.config.TrainConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The transformer of Nanda et al. (2023), "Progress measures for grokking via mechanistic
 * interpretability", for {@code a ∘ b mod p}: input {@code [a, b, =]}, learned positional
 * embedding, {@code n_layers} blocks (one in the paper) of attention without biases and an MLP
 * with biases, no LayerNorm, unembedding. R runs at once, each parameter [R, ...] ({@link Model}).
 *
 * <p>Dimensions: R runs, B batch, P positions (3), D d_model, H heads, K d_head, M d_mlp,
 * V vocabulary (p + 1; token p is {@code =}). Parameters keep the paper's names and, after the run
 * axis, its shapes, so each run exports unchanged to the reference code; block l ≥ 1 has the same
 * names with suffix {@code .l}.
 *
 * <p>The loss reads only the last position, so with one block {@link #forward} computes only what
 * that position needs: the query is always that of {@code =} at position 2, and the keys and
 * values of positions 0 and 1 depend on one token each, so they are tables over the vocabulary,
 * gathered per example. Only the MLP and unembedding run per example. With more blocks ({@link
 * #deep}), position 0 stays a table over a through every block (it sees only itself), the first
 * block projects tables, and only the last block is cut to position 2; the textbook forward
 * ({@link #forwardEmbedded}) computes every position; a test shows the forms agree in logits and
 * gradients. All take Zhong et al.'s (2023) attention rate {@code attn_coeff} ({@link #rate}); at
 * its default, 1, they are exactly the paper's model.
 */
public final class Transformer extends Network {

    /** One block's parameters, in the paper's order. */
    private static final List<String> BLOCK = List.of("W_Q", "W_K", "W_V", "W_O", "W_in", "b_in", "W_out", "b_out");

    /** The one-block model's names in the paper's order; also the export order. */
    public static final List<String> NAMES = names(1);

    private static final int POSITIONS = 3;

    public final int vocab;
    public final int dModel;
    public final int nHeads;
    public final int dHead;
    public final int dMlp;
    public final int nLayers;
    public final double attnCoeff; // α of Zhong et al. (2023); 1: attention is the plain softmax

    /** W_E, W_pos, then each block's {@link #BLOCK} names (suffixed {@code .l} from the second), then W_U. */
    public static List<String> names(int layers) {
        List<String> out = new ArrayList<>(List.of("W_E", "W_pos"));
        for (int l = 0; l < layers; l++) {
            for (String name : BLOCK) {
                out.add(l == 0 ? name : name + "." + l);
            }
        }
        out.add("W_U");
        return List.copyOf(out);
    }

    /** Wraps existing parameters (in {@link #names} order, [R, ...] each). */
    Transformer(TrainConfig c, NDList params) {
        super(c, names(c.nLayers()), params);
        this.vocab = c.modulus() + 1; // computed per instance: never stale when p changes
        this.dModel = c.dModel();
        this.nHeads = c.nHeads();
        this.dHead = c.dHead();
        this.dMlp = c.dMlp();
        this.nLayers = c.nLayers();
        this.attnCoeff = c.attnCoeff();
    }

    @Override
    public Model with(NDList params) {
        return new Transformer(config(), params);
    }

    /** The parameters' shapes by name, in {@link #names} order (without the run axis). */
    static Map<String, long[]> shapes(TrainConfig c) {
        long v = c.modulus() + 1, d = c.dModel(), h = c.nHeads(), k = c.dHead(), m = c.dMlp();
        Map<String, long[]> block = Map.of(
                "W_Q", new long[] {h, k, d}, // [H, K, D]
                "W_K", new long[] {h, k, d}, // [H, K, D]
                "W_V", new long[] {h, k, d}, // [H, K, D]
                "W_O", new long[] {d, h * k}, // [D, H·K]
                "W_in", new long[] {m, d}, // [M, D]
                "b_in", new long[] {m}, // [M]
                "W_out", new long[] {d, m}, // [D, M]
                "b_out", new long[] {d}); // [D]
        Map<String, long[]> out = new LinkedHashMap<>();
        out.put("W_E", new long[] {d, v}); // [D, V]
        out.put("W_pos", new long[] {POSITIONS, d}); // [P, D]
        for (int l = 0; l < c.nLayers(); l++) {
            for (String name : BLOCK) {
                out.put(l == 0 ? name : name + "." + l, block.get(name));
            }
        }
        out.put("W_U", new long[] {d, v}); // [D, V]
        return out;
    }

    /** W_U·W_out of the last block, as rows per token: [(R,) V, M]. */
    @Override
    NDArray neuronLogits(Weights w) {
        return Runs.mm(w.get("W_U").swapAxes(-1, -2), block(w, nLayers - 1, "W_out"));
    }

    /** Forward pass for examples {@code (a, b)}, last position only. a, b: int64 [(R,) B]. */
    @Override
    Output fast(Weights w, NDArray a, NDArray b) {
        if (nLayers > 1) {
            return deep(w, a, b);
        }
        long[] runs = w.one ? new long[0] : new long[] {runs()}; // the leading shape: (R,)
        long hk = (long) nHeads * dHead;
        NDArray W_E = w.get("W_E"), W_pos = w.get("W_pos"), W_U = w.get("W_U");
        NDArray W_Q = w.get("W_Q"), W_K = w.get("W_K"), W_V = w.get("W_V"), W_O = w.get("W_O");
        NDArray W_in = w.get("W_in"), b_in = w.get("b_in"), W_out = w.get("W_out"), b_out = w.get("b_out");
        NDArray embed = W_E.swapAxes(-1, -2); // [(R,) V, D]
        NDArray r0 = Runs.addToRows(embed, W_pos.get("..., 0, :")); // [(R,) V, D] residual at position 0, per token
        NDArray r1 = Runs.addToRows(embed, W_pos.get("..., 1, :")); // [(R,) V, D] residual at position 1, per token
        NDArray r2 = embed.get("..., " + p + ", :").add(W_pos.get("..., 2, :")); // [(R,) D] position 2 is always "="
        NDArray q = Runs.mv(W_Q.reshape(shape(runs, hk, dModel)), r2).reshape(shape(runs, nHeads, dHead, 1)); // [(R,) H, K, 1]
        // Each head's query read back through its key map: score(x) = qk_h · resid(x).
        NDArray qk = W_K.mul(q).sum(new int[] {-2}).div(constant(a, Math.sqrt(dHead))); // [(R,) H, D]
        NDArray wv = W_V.reshape(shape(runs, hk, dModel)); // [(R,) H·K, D]
        // Each use of a transpose takes its own, as a single run's graph always has: autograd sums a
        // tensor's gradients in the order they arrive, and one shared view would regroup that sum.
        NDArray s0 = Runs.gather(a, Runs.mm(r0, qk.swapAxes(-1, -2))); // [(R,) B, H]
        NDArray s1 = Runs.gather(b, Runs.mm(r1, qk.swapAxes(-1, -2))); // [(R,) B, H]
        NDArray s2 = Runs.perExample(Runs.mv(qk, r2), s0.getShape().get(s0.getShape().dimension() - 2)); // [(R,) B, H]
        NDArray attn = rate(NDArrays.stack(new NDList(s0, s1, s2), -1).softmax(-1), a); // [(R,) B, H, 3] "=" sees all
        NDArray v0 = Runs.gather(a, Runs.mm(r0, wv.swapAxes(-1, -2))).reshape(shape(runs, -1, nHeads, dHead)); // [(R,) B, H, K]
        NDArray v1 = Runs.gather(b, Runs.mm(r1, wv.swapAxes(-1, -2))).reshape(shape(runs, -1, nHeads, dHead)); // [(R,) B, H, K]
        NDArray v2 = Runs.mv(wv, r2).reshape(w.one ? shape(runs, nHeads, dHead) : shape(runs, 1, nHeads, dHead)); // [(R, 1,) H, K]
        NDArray z = v0.mul(attn.get("..., 0:1"))
                .add(v1.mul(attn.get("..., 1:2")))
                .add(v2.mul(attn.get("..., 2:3"))); // [(R,) B, H, K]
        // The residual z·W_Oᵀ + r2 enters the MLP and the unembedding linearly, so the weights are
        // multiplied together once per step (no batch) and each example pays for H·K → M, H·K → V
        // and M → V instead of H·K → D, D → M, M → D and D → V: 15% fewer FLOPs at D = 128.
        NDArray zFlat = z.reshape(shape(runs, -1, hk)); // [(R,) B, H·K]
        NDArray hidden = Model.activation(activation,
                Runs.linear(zFlat, Runs.mm(W_in, W_O), Runs.mv(W_in, r2).add(b_in))); // [(R,) B, M]
        NDArray readOut = W_U.swapAxes(-1, -2); // [(R,) V, D]
        NDArray logits = Runs.linear(hidden, Runs.mm(readOut, W_out), Runs.mv(readOut, r2.add(b_out))) // [(R,) B, V]
                .add(Runs.mm(zFlat, Runs.mm(readOut, W_O).swapAxes(-1, -2))); // [(R,) B, V]
        return new Output(logits, hidden);
    }

    /**
     * Two or more blocks, computed where the loss reads them. Position 0 sees only itself in every
     * block, so its residual stays a table over the vocabulary, gathered at a wherever a later
     * position reads its keys and values; before the first block, position 1's residual is a table
     * over b and position 2's one row ("="), so the first block projects tables, not examples;
     * after it, positions 1 and 2 are per example, and the last block computes position 2 alone
     * (its query, MLP and unembedding).
     */
    private Output deep(Weights w, NDArray a, NDArray b) {
        long batch = a.getShape().get(a.getShape().dimension() - 1);
        NDArray embed = w.get("W_E").swapAxes(-1, -2); // [(R,) V, D]
        NDArray W_pos = w.get("W_pos");
        Residual at0 = new Residual(Runs.addToRows(embed, W_pos.get("..., 0, :")), x -> Runs.gather(a, x)); // [(R,) V, D]
        Residual at1 = new Residual(Runs.addToRows(embed, W_pos.get("..., 1, :")), x -> Runs.gather(b, x)); // [(R,) V, D]
        Residual at2 = new Residual(embed.get("..., " + p + ", :").add(W_pos.get("..., 2, :")), // [(R,) D]
                x -> Runs.perExample(x, batch));
        for (int l = 0; ; l++) {
            NDArray v0 = project(at0.rows(), w, l, "W_V"); // [(R,) V, H·K] per token a
            List<NDArray> keys = List.of(project(at0, w, l, "W_K"), project(at1, w, l, "W_K"), project(at2, w, l, "W_K"));
            List<NDArray> values = List.of(at0.pick().apply(v0), project(at1, w, l, "W_V"), project(at2, w, l, "W_V"));
            NDArray W_Ot = block(w, l, "W_O").swapAxes(-1, -2); // [(R,) H·K, D]
            NDArray z2 = attend(project(at2, w, l, "W_Q"), keys, values); // [(R,) B, H·K]
            NDArray x2 = at2.perExample().add(Runs.mm(z2, W_Ot)); // [(R,) B, D]
            if (l == nLayers - 1) {
                NDArray hidden = Model.activation(activation, Runs.linear(x2, block(w, l, "W_in"), block(w, l, "b_in")));
                // As with one block, the MLP's output enters the logits through W_U alone, so each
                // example pays for M → V instead of M → D and D → V.
                NDArray readOut = w.get("W_U").swapAxes(-1, -2); // [(R,) V, D]
                NDArray logits = Runs.linear(hidden, Runs.mm(readOut, block(w, l, "W_out")),
                        Runs.mv(readOut, block(w, l, "b_out"))).add(Runs.mm(x2, w.get("W_U"))); // [(R,) B, V]
                return new Output(logits, hidden); // [(R,) B, V], [(R,) B, M]
            }
            NDArray z1 = attend(project(at1, w, l, "W_Q"), keys.subList(0, 2), values.subList(0, 2));
            NDArray z0 = attnCoeff == 1 ? v0 : v0.mul(constant(a, attnCoeff).add(constant(a, 1 - attnCoeff))); // α·1 + (1 − α)
            at0 = new Residual(mlp(w, l, at0.rows().add(Runs.mm(z0, W_Ot))), at0.pick()); // [(R,) V, D]
            at1 = new Residual(mlp(w, l, at1.perExample().add(Runs.mm(z1, W_Ot))), UnaryOperator.identity()); // [(R,) B, D]
            at2 = new Residual(mlp(w, l, x2), UnaryOperator.identity()); // [(R,) B, D]
        }
    }

    /** One position's residual entering a block: {@code rows} and how each example picks its row from them. */
    private record Residual(NDArray rows, UnaryOperator<NDArray> pick) {
        NDArray perExample() {
            return pick.apply(rows);
        }
    }

    /** Block l's per-head weights {@code name} [(R,) H, K, D] applied to a position's rows, then picked: [(R,) B, H·K]. */
    private NDArray project(Residual at, Weights w, int l, String name) {
        return at.pick().apply(project(at.rows(), w, l, name));
    }

    /** Rows [(R,) N, D] through block l's per-head weights {@code name} [(R,) H, K, D]: [(R,) N, H·K]. */
    private NDArray project(NDArray rows, Weights w, int l, String name) {
        NDArray weight = block(w, l, name);
        return Runs.mm(rows, weight.reshape(weight.getShape().slice(0, weight.getShape().dimension() - 3)
                .add((long) nHeads * dHead, dModel)).swapAxes(-1, -2));
    }

    /**
     * One query position's attention output [(R,) B, H·K] from its query [(R,) B, H·K] and the keys
     * and values of the positions it sees, in order (the causal mask's visible ones).
     */
    private NDArray attend(NDArray query, List<NDArray> keys, List<NDArray> values) {
        Shape heads = heads(query);
        NDArray q = query.reshape(heads);
        NDList scores = new NDList();
        keys.forEach(k -> scores.add(q.mul(k.reshape(heads)).sum(new int[] {-1}))); // [(R,) B, H] each
        NDArray attn = rate(NDArrays.stack(scores, -1).div(constant(query, Math.sqrt(dHead))).softmax(-1), query);
        NDArray z = null;
        for (int j = 0; j < values.size(); j++) {
            NDArray term = values.get(j).reshape(heads).mul(attn.get("..., " + j + ":" + (j + 1))); // [(R,) B, H, K]
            z = z == null ? term : z.add(term);
        }
        return z.reshape(query.getShape());
    }

    /** [(R,) B, H·K] as [(R,) B, H, K]. */
    private Shape heads(NDArray x) {
        Shape s = x.getShape();
        return s.slice(0, s.dimension() - 1).add(nHeads, dHead);
    }

    /** Block l's MLP and its residual around rows x [(R,) N, D]. */
    private NDArray mlp(Weights w, int l, NDArray x) {
        NDArray hidden = Model.activation(activation, Runs.linear(x, block(w, l, "W_in"), block(w, l, "b_in")));
        return x.add(Runs.linear(hidden, block(w, l, "W_out"), block(w, l, "b_out")));
    }

    /** The textbook forward from the token embeddings of a and b ([(R,) B, D] each), every block at every position. */
    @Override
    Output textbook(Weights w, NDArray ea, NDArray eb) {
        long[] runs = w.one ? new long[0] : new long[] {runs()};
        long batch = ea.getShape().get(ea.getShape().dimension() - 2);
        NDArray eq = Runs.perExample(w.get("W_E").swapAxes(-1, -2).get("..., " + p + ", :"), batch); // [(R,) B, D] "="
        NDArray pos = w.one ? w.get("W_pos") : w.get("W_pos").expandDims(1); // [(R, 1,) P, D]
        NDArray resid = NDArrays.stack(new NDList(ea, eb, eq), -2).add(pos); // [(R,) B, P, D]
        NDArray future = ea.getManager() // 1 where a key lies after its query: causal mask
                .create(new float[] {0, 1, 1, 0, 0, 1, 0, 0, 0}, new Shape(POSITIONS, POSITIONS))
                .toType(dtype, false); // [P, P]
        NDArray hidden = null;
        for (int l = 0; l < nLayers; l++) {
            NDArray q = headsOf(resid, block(w, l, "W_Q"), runs); // [(R,) B, H, P, K]
            NDArray k = headsOf(resid, block(w, l, "W_K"), runs); // [(R,) B, H, P, K]
            NDArray v = headsOf(resid, block(w, l, "W_V"), runs); // [(R,) B, H, P, K]
            NDArray scores = q.matMul(k.swapAxes(-1, -2)).div(constant(ea, Math.sqrt(dHead))); // [(R,) B, H, P, P]
            NDArray attn = scores.sub(future.mul(constant(ea, 1e10))).softmax(-1); // [(R,) B, H, P, P]
            if (attnCoeff != 1) { // α·softmax + (1 − α) on the visible (causal) positions
                NDArray visible = future.neg().add(constant(ea, 1)); // [P, P]
                attn = attn.mul(constant(ea, attnCoeff)).add(visible.mul(constant(ea, 1 - attnCoeff))); // [(R,) B, H, P, P]
            }
            NDArray z = attn.matMul(v).swapAxes(-3, -2).reshape(shape(runs, batch, POSITIONS, -1)); // [(R,) B, P, H·K]
            resid = resid.add(Runs.mm(z, block(w, l, "W_O").swapAxes(-1, -2))); // [(R,) B, P, D]
            hidden = Model.activation(activation, Runs.linear(resid, block(w, l, "W_in"), block(w, l, "b_in"))); // [(R,) B, P, M]
            resid = resid.add(Runs.linear(hidden, block(w, l, "W_out"), block(w, l, "b_out"))); // [(R,) B, P, D]
        }
        NDArray logitsAll = Runs.mm(resid, w.get("W_U")); // [(R,) B, P, V]
        return new Output(logitsAll.get("..., 2, :"), hidden.get("..., 2, :"));
    }

    /**
     * Zhong et al.'s attention rate on softmax weights {@code attn} (all positions visible):
     * α·attn + (1 − α), the constant part unnormalised as in their code (at α = 0 the head sums
     * the values). At α = 1 the weights pass through untouched, so runs without it are unchanged.
     */
    private NDArray rate(NDArray attn, NDArray like) {
        return attnCoeff == 1 ? attn : attn.mul(constant(like, attnCoeff)).add(constant(like, 1 - attnCoeff));
    }

    /** Block {@code l}'s parameter {@code name}. */
    private static NDArray block(Weights w, int l, String name) {
        return w.get(l == 0 ? name : name + "." + l);
    }

    /** resid [(R,) B, P, D] through per-head weights [(R,) H, K, D] to [(R,) B, H, P, K]. */
    private NDArray headsOf(NDArray resid, NDArray w, long[] runs) {
        long batch = resid.getShape().get(resid.getShape().dimension() - 3);
        return Runs.mm(resid, w.reshape(shape(runs, -1, dModel)).swapAxes(-1, -2)) // [(R,) B, P, H·K]
                .reshape(shape(runs, batch, POSITIONS, nHeads, dHead))
                .swapAxes(-3, -2);
    }

    /** The shape {@code (lead..., dims...)}. */
    private static Shape shape(long[] lead, long... dims) {
        return new Shape(lead).addAll(new Shape(dims));
    }
}
