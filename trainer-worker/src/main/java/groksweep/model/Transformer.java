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
import java.util.SplittableRandom;

/**
 * The one-layer transformer of Nanda et al. (2023), "Progress measures for grokking via
 * mechanistic interpretability", for {@code a + b mod p}: input {@code [a, b, =]}, learned
 * positional embedding, attention without biases, ReLU MLP with biases, no LayerNorm, unembedding.
 *
 * <p>Dimensions: B batch, P positions (3), D d_model, H heads, K d_head, M d_mlp, V vocabulary
 * (p + 1; token p is {@code =}). Parameters keep the paper's names and shapes, so they export
 * unchanged to the reference code.
 *
 * <p>The loss reads only the last position, so {@link #forward} computes only what that position
 * needs: the query is always that of {@code =} at position 2, and the keys and values of positions
 * 0 and 1 depend on one token each, so they are tables over the vocabulary, gathered per example.
 * Only the MLP and unembedding run per example. {@link #forwardFullSequence} is the textbook
 * forward over all positions; a test shows the two agree in logits and gradients. Both take Zhong
 * et al.'s (2023) attention rate {@code attn_coeff} ({@link #rate}); at its default, 1, they are
 * exactly the paper's model.
 */
public final class Transformer {

    /** Names in the paper's order; also the export order. */
    public static final List<String> NAMES =
            List.of("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_in", "b_in", "W_out", "b_out", "W_U");

    private static final int POSITIONS = 3;

    public final int p;
    public final int vocab;
    public final int dModel;
    public final int nHeads;
    public final int dHead;
    public final int dMlp;
    public final DataType dtype;
    public final double attnCoeff; // α of Zhong et al. (2023); 1: attention is the plain softmax
    public final NDList params; // in NAMES order, each named
    final NDArray W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, b_in, W_out, b_out, W_U;

    /** Wraps existing parameters (in {@link #NAMES} order), e.g. reloaded from a file. */
    public Transformer(TrainConfig c, NDList params) {
        this.p = c.modulus();
        this.vocab = c.modulus() + 1; // computed per instance: never stale when p changes
        this.dModel = c.dModel();
        this.nHeads = c.nHeads();
        this.dHead = c.dHead();
        this.dMlp = c.dMlp();
        this.dtype = dataType(c);
        this.attnCoeff = c.attnCoeff();
        this.params = params;
        for (int i = 0; i < NAMES.size(); i++) {
            params.get(i).setName(NAMES.get(i));
            params.get(i).setRequiresGradient(true);
        }
        W_E = params.get(0); W_pos = params.get(1); W_Q = params.get(2); W_K = params.get(3);
        W_V = params.get(4); W_O = params.get(5); W_in = params.get(6); b_in = params.get(7);
        W_out = params.get(8); b_out = params.get(9); W_U = params.get(10);
    }

    /**
     * Fresh parameters: N(0, 1) scaled by 1/√d_model (W_U by 1/√d_vocab), biases zero, all times
     * {@code init_scale} (Omnigrok's α; 1 leaves every value as it was).
     */
    public static Transformer initialise(TrainConfig c, NDManager manager) {
        int v = c.modulus() + 1, d = c.dModel(), h = c.nHeads(), k = c.dHead(), m = c.dMlp();
        SplittableRandom rng = new SplittableRandom(c.initSeed());
        double alpha = c.initScale();
        double sd = alpha / Math.sqrt(d);
        DataType type = dataType(c);
        NDList params = new NDList(
                normal(manager, rng, type, sd, d, v), // W_E   [D, V]
                normal(manager, rng, type, sd, POSITIONS, d), // W_pos [P, D]
                normal(manager, rng, type, sd, h, k, d), // W_Q   [H, K, D]
                normal(manager, rng, type, sd, h, k, d), // W_K   [H, K, D]
                normal(manager, rng, type, sd, h, k, d), // W_V   [H, K, D]
                normal(manager, rng, type, sd, d, h * k), // W_O   [D, H·K]
                normal(manager, rng, type, sd, m, d), // W_in  [M, D]
                manager.zeros(new Shape(m), type), // b_in  [M]
                normal(manager, rng, type, sd, d, m), // W_out [D, M]
                manager.zeros(new Shape(d), type), // b_out [D]
                normal(manager, rng, type, alpha / Math.sqrt(v), d, v)); // W_U [D, V]
        return new Transformer(c, params);
    }

    /** Logits and MLP activations at the last position. */
    public record Output(NDArray logits, NDArray hidden) {}

    /** Forward pass for examples {@code (a, b)}, last position only. a, b: int64 [B]. */
    public Output forward(NDArray a, NDArray b) {
        long hk = (long) nHeads * dHead;
        NDArray embed = W_E.transpose(); // [V, D]
        NDArray r0 = embed.add(W_pos.get(0)); // [V, D] residual at position 0, per token
        NDArray r1 = embed.add(W_pos.get(1)); // [V, D] residual at position 1, per token
        NDArray r2 = embed.get(p).add(W_pos.get(2)); // [D]    position 2 is always "="
        NDArray q = W_Q.matMul(r2); // [H, K] the only query the loss needs
        // Each head's query read back through its key map: score(x) = qk_h · resid(x).
        NDArray qk = W_K.mul(q.expandDims(2)).sum(new int[] {1}).div(constant(a, Math.sqrt(dHead))); // [H, D]
        NDArray wv = W_V.reshape(hk, dModel); // [H·K, D]
        NDArray s0 = embedding(a, r0.matMul(qk.transpose())); // [B, H]
        NDArray s1 = embedding(b, r1.matMul(qk.transpose())); // [B, H]
        NDArray s2 = qk.matMul(r2).broadcast(s0.getShape()); // [B, H]
        NDArray attn = rate(NDArrays.stack(new NDList(s0, s1, s2), 2).softmax(2), a); // [B, H, 3] causal: "=" sees all
        NDArray v0 = embedding(a, r0.matMul(wv.transpose())).reshape(-1, nHeads, dHead); // [B, H, K]
        NDArray v1 = embedding(b, r1.matMul(wv.transpose())).reshape(-1, nHeads, dHead); // [B, H, K]
        NDArray v2 = wv.matMul(r2).reshape(nHeads, dHead); // [H, K]
        NDArray z = v0.mul(attn.get(":, :, 0:1"))
                .add(v1.mul(attn.get(":, :, 1:2")))
                .add(v2.mul(attn.get(":, :, 2:3"))); // [B, H, K]
        // The residual z·W_Oᵀ + r2 enters the MLP and the unembedding linearly, so the weights are
        // multiplied together once per step (no batch) and each example pays for H·K → M, H·K → V
        // and M → V instead of H·K → D, D → M, M → D and D → V: 15% fewer FLOPs at D = 128.
        NDArray zFlat = z.reshape(-1, hk); // [B, H·K]
        NDArray r2Out = r2.add(b_out); // [D]
        NDArray hidden = relu(linear(zFlat, W_in.matMul(W_O), W_in.matMul(r2).add(b_in))); // [B, M]
        NDArray readOut = W_U.transpose(); // [V, D]
        NDArray logits = linear(hidden, readOut.matMul(W_out), readOut.matMul(r2Out)) // [B, V]
                .add(zFlat.matMul(readOut.matMul(W_O).transpose())); // [B, V]
        return new Output(logits, hidden);
    }

    /** The textbook forward over all three positions, as the paper's code writes it. */
    public Output forwardFullSequence(NDArray a, NDArray b) {
        long batch = a.size();
        NDArray eq = a.getManager().full(new Shape(batch), p, DataType.INT64);
        NDArray tokens = NDArrays.stack(new NDList(a, b, eq), 1); // [B, 3]
        NDArray resid = embedding(tokens, W_E.transpose()).add(W_pos); // [B, P, D]
        NDArray q = headsOf(resid, W_Q); // [B, H, P, K]
        NDArray k = headsOf(resid, W_K); // [B, H, P, K]
        NDArray v = headsOf(resid, W_V); // [B, H, P, K]
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(constant(a, Math.sqrt(dHead))); // [B, H, P, P]
        NDArray future = a.getManager() // 1 where a key lies after its query: causal mask
                .create(new float[] {0, 1, 1, 0, 0, 1, 0, 0, 0}, new Shape(POSITIONS, POSITIONS))
                .toType(dtype, false); // [P, P]
        NDArray attn = scores.sub(future.mul(constant(a, 1e10))).softmax(3); // [B, H, P, P]
        if (attnCoeff != 1) { // α·softmax + (1 − α) on the visible (causal) positions
            NDArray visible = future.neg().add(constant(a, 1)); // [P, P]
            attn = attn.mul(constant(a, attnCoeff)).add(visible.mul(constant(a, 1 - attnCoeff))); // [B, H, P, P]
        }
        NDArray z = attn.matMul(v).transpose(0, 2, 1, 3).reshape(batch, POSITIONS, -1); // [B, P, H·K]
        resid = resid.add(z.matMul(W_O.transpose())); // [B, P, D]
        NDArray hiddenAll = relu(linear(resid, W_in, b_in)); // [B, P, M]
        NDArray logitsAll = resid.add(linear(hiddenAll, W_out, b_out)).matMul(W_U); // [B, P, V]
        return new Output(logitsAll.get(":, 2, :"), hiddenAll.get(":, 2, :"));
    }

    /**
     * Zhong et al.'s attention rate on softmax weights {@code attn} (all positions visible):
     * α·attn + (1 − α), the constant part unnormalised as in their code (at α = 0 the head sums
     * the values). At α = 1 the weights pass through untouched, so runs without it are unchanged.
     */
    private NDArray rate(NDArray attn, NDArray like) {
        return attnCoeff == 1 ? attn : attn.mul(constant(like, attnCoeff)).add(constant(like, 1 - attnCoeff));
    }

    /** The parameter called {@code name} (one of {@link #NAMES}). */
    public NDArray param(String name) {
        return params.get(NAMES.indexOf(name));
    }

    /** resid [B, P, D] through per-head weights [H, K, D] to [B, H, P, K]. */
    private NDArray headsOf(NDArray resid, NDArray w) {
        long batch = resid.getShape().get(0);
        return resid.matMul(w.reshape(-1, dModel).transpose()) // [B, P, H·K]
                .reshape(batch, POSITIONS, nHeads, dHead)
                .transpose(0, 2, 1, 3);
    }

    /**
     * Cross-entropy of the last position, log-softmax in float64 as in the paper. The cast happens
     * inside log_softmax: DJL's toType() is not differentiable and would cut the graph.
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = JniUtils.logSoftmax((PtNDArray) logits, 1, DataType.FLOAT64); // [B, V]
        return logp.gather(labels.expandDims(1), 1).mean().neg(); // []
    }

    /** Number of examples whose arg-max logit is the label. */
    public static long correct(NDArray logits, NDArray labels) {
        return logits.argMax(1).eq(labels).toType(DataType.INT64, false).sum().getLong();
    }

    /** Σ of squared parameters: the quantity weight decay shrinks. */
    public double sumSquaredWeights() {
        double total = 0;
        for (NDArray w : params) {
            try (NDArray sq = w.toType(DataType.FLOAT64, false).square().sum()) {
                total += sq.getDouble();
            }
        }
        return total;
    }

    public static DataType dataType(TrainConfig c) {
        return c.dtype().equals("float64") ? DataType.FLOAT64 : DataType.FLOAT32;
    }

    private static NDArray embedding(NDArray indices, NDArray table) {
        return JniUtils.embedding((PtNDArray) indices, (PtNDArray) table, false);
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

    private static NDArray relu(NDArray x) {
        return JniUtils.relu((PtNDArray) x);
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    private static NDArray normal(NDManager manager, SplittableRandom rng, DataType type, double sd, long... shape) {
        Shape s = new Shape(shape);
        double[] values = new double[Math.toIntExact(s.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = rng.nextGaussian() * sd;
        }
        return manager.create(values, s).toType(type, false);
    }
}
