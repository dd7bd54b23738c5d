package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import groksweep.config.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The transformer of Nanda et al. (2023), "Progress measures for grokking via mechanistic
 * interpretability", for {@code a ∘ b mod p}: input {@code [a, b, =]}, learned positional
 * embedding, {@code n_layers} blocks (one in the paper) of attention without biases and an MLP
 * with biases, no LayerNorm, unembedding.
 *
 * <p>Dimensions: B batch, P positions (3), D d_model, H heads, K d_head, M d_mlp, V vocabulary
 * (p + 1; token p is {@code =}). Parameters keep the paper's names and shapes, so they export
 * unchanged to the reference code; block l ≥ 1 has the same names with suffix {@code .l}.
 *
 * <p>The loss reads only the last position, so with one block {@link #forward} computes only what
 * that position needs: the query is always that of {@code =} at position 2, and the keys and
 * values of positions 0 and 1 depend on one token each, so they are tables over the vocabulary,
 * gathered per example. Only the MLP and unembedding run per example. A later block needs every
 * position of the one before, so with more blocks the forward is the textbook one
 * ({@link #forwardEmbedded}); a test shows the two forms agree in logits and gradients. Both take
 * Zhong et al.'s (2023) attention rate {@code attn_coeff} ({@link #rate}); at its default, 1,
 * they are exactly the paper's model.
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
    final NDArray W_E, W_pos, W_U;

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

    /** Wraps existing parameters (in {@link #names} order), e.g. reloaded from a file. */
    public Transformer(TrainConfig c, NDList params) {
        super(c, names(c.nLayers()), params);
        this.vocab = c.modulus() + 1; // computed per instance: never stale when p changes
        this.dModel = c.dModel();
        this.nHeads = c.nHeads();
        this.dHead = c.dHead();
        this.dMlp = c.dMlp();
        this.nLayers = c.nLayers();
        this.attnCoeff = c.attnCoeff();
        W_E = param("W_E"); W_pos = param("W_pos"); W_U = param("W_U");
    }

    /**
     * Fresh parameters: N(0, 1) scaled by 1/√d_model (W_U by 1/√d_vocab), biases zero, all times
     * {@code init_scale} (Omnigrok's α; 1 leaves every value as it was). Drawn in {@link #names}
     * order, so a one-block model is what it always was.
     */
    public static Transformer initialise(TrainConfig c, NDManager manager) {
        int v = c.modulus() + 1, d = c.dModel(), h = c.nHeads(), k = c.dHead(), m = c.dMlp();
        SplittableRandom rng = new SplittableRandom(c.initSeed());
        double alpha = c.initScale();
        double sd = alpha / Math.sqrt(d);
        DataType type = Model.dataType(c);
        NDList params = new NDList(
                Model.normal(manager, rng, type, sd, d, v), // W_E   [D, V]
                Model.normal(manager, rng, type, sd, POSITIONS, d)); // W_pos [P, D]
        for (int l = 0; l < c.nLayers(); l++) {
            params.add(Model.normal(manager, rng, type, sd, h, k, d)); // W_Q   [H, K, D]
            params.add(Model.normal(manager, rng, type, sd, h, k, d)); // W_K   [H, K, D]
            params.add(Model.normal(manager, rng, type, sd, h, k, d)); // W_V   [H, K, D]
            params.add(Model.normal(manager, rng, type, sd, d, h * k)); // W_O   [D, H·K]
            params.add(Model.normal(manager, rng, type, sd, m, d)); // W_in  [M, D]
            params.add(manager.zeros(new Shape(m), type)); // b_in  [M]
            params.add(Model.normal(manager, rng, type, sd, d, m)); // W_out [D, M]
            params.add(manager.zeros(new Shape(d), type)); // b_out [D]
        }
        params.add(Model.normal(manager, rng, type, alpha / Math.sqrt(v), d, v)); // W_U [D, V]
        return new Transformer(c, params);
    }

    /** W_U·W_out of the last block, as rows per token: [V, M]. */
    @Override
    public NDArray neuronLogits() {
        return W_U.transpose().matMul(block(nLayers - 1, "W_out"));
    }

    /** Forward pass for examples {@code (a, b)}, last position only. a, b: int64 [B]. */
    @Override
    public Output forward(NDArray a, NDArray b) {
        if (nLayers > 1) {
            return forwardTextbook(a, b);
        }
        NDArray W_Q = param("W_Q"), W_K = param("W_K"), W_V = param("W_V"), W_O = param("W_O");
        NDArray W_in = param("W_in"), b_in = param("b_in"), W_out = param("W_out"), b_out = param("b_out");
        long hk = (long) nHeads * dHead;
        NDArray embed = W_E.transpose(); // [V, D]
        NDArray r0 = embed.add(W_pos.get(0)); // [V, D] residual at position 0, per token
        NDArray r1 = embed.add(W_pos.get(1)); // [V, D] residual at position 1, per token
        NDArray r2 = embed.get(p).add(W_pos.get(2)); // [D]    position 2 is always "="
        NDArray q = W_Q.matMul(r2); // [H, K] the only query the loss needs
        // Each head's query read back through its key map: score(x) = qk_h · resid(x).
        NDArray qk = W_K.mul(q.expandDims(2)).sum(new int[] {1}).div(constant(a, Math.sqrt(dHead))); // [H, D]
        NDArray wv = W_V.reshape(hk, dModel); // [H·K, D]
        NDArray s0 = Model.embedding(a, r0.matMul(qk.transpose())); // [B, H]
        NDArray s1 = Model.embedding(b, r1.matMul(qk.transpose())); // [B, H]
        NDArray s2 = qk.matMul(r2).broadcast(s0.getShape()); // [B, H]
        NDArray attn = rate(NDArrays.stack(new NDList(s0, s1, s2), 2).softmax(2), a); // [B, H, 3] causal: "=" sees all
        NDArray v0 = Model.embedding(a, r0.matMul(wv.transpose())).reshape(-1, nHeads, dHead); // [B, H, K]
        NDArray v1 = Model.embedding(b, r1.matMul(wv.transpose())).reshape(-1, nHeads, dHead); // [B, H, K]
        NDArray v2 = wv.matMul(r2).reshape(nHeads, dHead); // [H, K]
        NDArray z = v0.mul(attn.get(":, :, 0:1"))
                .add(v1.mul(attn.get(":, :, 1:2")))
                .add(v2.mul(attn.get(":, :, 2:3"))); // [B, H, K]
        // The residual z·W_Oᵀ + r2 enters the MLP and the unembedding linearly, so the weights are
        // multiplied together once per step (no batch) and each example pays for H·K → M, H·K → V
        // and M → V instead of H·K → D, D → M, M → D and D → V: 15% fewer FLOPs at D = 128.
        NDArray zFlat = z.reshape(-1, hk); // [B, H·K]
        NDArray r2Out = r2.add(b_out); // [D]
        NDArray hidden = Model.activation(activation,
                Model.linear(zFlat, W_in.matMul(W_O), W_in.matMul(r2).add(b_in))); // [B, M]
        NDArray readOut = W_U.transpose(); // [V, D]
        NDArray logits = Model.linear(hidden, readOut.matMul(W_out), readOut.matMul(r2Out)) // [B, V]
                .add(zFlat.matMul(readOut.matMul(W_O).transpose())); // [B, V]
        return new Output(logits, hidden);
    }

    /** The textbook forward from the token embeddings of a and b ([B, D] each), every block at every position. */
    @Override
    public Output forwardEmbedded(NDArray ea, NDArray eb) {
        long batch = ea.getShape().get(0);
        NDArray eq = W_E.transpose().get(p).broadcast(batch, dModel); // [B, D] the "=" token
        NDArray resid = NDArrays.stack(new NDList(ea, eb, eq), 1).add(W_pos); // [B, P, D]
        NDArray future = ea.getManager() // 1 where a key lies after its query: causal mask
                .create(new float[] {0, 1, 1, 0, 0, 1, 0, 0, 0}, new Shape(POSITIONS, POSITIONS))
                .toType(dtype, false); // [P, P]
        NDArray hidden = null;
        for (int l = 0; l < nLayers; l++) {
            NDArray q = headsOf(resid, block(l, "W_Q")); // [B, H, P, K]
            NDArray k = headsOf(resid, block(l, "W_K")); // [B, H, P, K]
            NDArray v = headsOf(resid, block(l, "W_V")); // [B, H, P, K]
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(constant(ea, Math.sqrt(dHead))); // [B, H, P, P]
            NDArray attn = scores.sub(future.mul(constant(ea, 1e10))).softmax(3); // [B, H, P, P]
            if (attnCoeff != 1) { // α·softmax + (1 − α) on the visible (causal) positions
                NDArray visible = future.neg().add(constant(ea, 1)); // [P, P]
                attn = attn.mul(constant(ea, attnCoeff)).add(visible.mul(constant(ea, 1 - attnCoeff))); // [B, H, P, P]
            }
            NDArray z = attn.matMul(v).transpose(0, 2, 1, 3).reshape(batch, POSITIONS, -1); // [B, P, H·K]
            resid = resid.add(z.matMul(block(l, "W_O").transpose())); // [B, P, D]
            hidden = Model.activation(activation, Model.linear(resid, block(l, "W_in"), block(l, "b_in"))); // [B, P, M]
            resid = resid.add(Model.linear(hidden, block(l, "W_out"), block(l, "b_out"))); // [B, P, D]
        }
        NDArray logitsAll = resid.matMul(W_U); // [B, P, V]
        return new Output(logitsAll.get(":, 2, :"), hidden.get(":, 2, :"));
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
    private NDArray block(int l, String name) {
        return param(l == 0 ? name : name + "." + l);
    }

    /** resid [B, P, D] through per-head weights [H, K, D] to [B, H, P, K]. */
    private NDArray headsOf(NDArray resid, NDArray w) {
        long batch = resid.getShape().get(0);
        return resid.matMul(w.reshape(-1, dModel).transpose()) // [B, P, H·K]
                .reshape(batch, POSITIONS, nHeads, dHead)
                .transpose(0, 2, 1, 3);
    }

    /** See {@link Model#crossEntropy}. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return Model.crossEntropy(logits, labels);
    }

    /** See {@link Model#correct}. */
    public static long correct(NDArray logits, NDArray labels) {
        return Model.correct(logits, labels);
    }

    /**
     * A scalar in the model's dtype, owned by the step's manager (that of {@code like}) so that it
     * outlives the backward pass. Never use DJL's {@code op(Number)} under autograd: it wraps the
     * number in a tensor over a Java buffer and closes it at once, but autograd keeps that tensor
     * for the backward pass, where it reads memory the garbage collector may have freed.
     */
    private NDArray constant(NDArray like, double value) {
        return like.getManager().create(value).toType(dtype, false);
    }
}
