package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import groksweep.config.TrainConfig;

import java.util.List;

/**
 * R one-block {@link Transformer}s of one shape trained as one batched model: each parameter is
 * the runs' parameters stacked on a leading run axis, [R, ...], and {@link #forward} is the
 * transformer's last-position forward with every product batched over the runs. Run r's logits
 * depend only on run r's parameters and examples, so the gradient of the runs' summed losses is
 * each run's own gradient.
 *
 * <p>Dimensions as in {@link Transformer}, with R runs first.
 */
public final class PackedTransformer {
    private final TrainConfig shape; // any run's config: every option that shapes the forward is shared
    private final int p;
    private final long vocab, dModel, nHeads, dHead;
    private final DataType dtype;
    private NDList params; // [R, ...] each, in Transformer.NAMES order

    /** Stacks the runs' parameters (each a one-block transformer of {@code shape}) in {@code manager}. */
    public PackedTransformer(TrainConfig shape, List<Model> runs, NDManager manager) {
        this.shape = shape;
        this.p = shape.modulus();
        this.vocab = p + 1L;
        this.dModel = shape.dModel();
        this.nHeads = shape.nHeads();
        this.dHead = shape.dHead();
        this.dtype = Model.dataType(shape);
        NDList stacked = new NDList();
        for (String name : Transformer.NAMES) {
            NDList each = new NDList();
            runs.forEach(m -> each.add(m.param(name)));
            NDArray w = NDArrays.stack(each).stopGradient(); // a leaf, whatever the thread's grad mode
            w.attach(manager);
            stacked.add(w);
        }
        use(stacked);
    }

    /** The packed parameters, [R, ...] each, in {@link Transformer#NAMES} order. */
    public NDList params() {
        return params;
    }

    /** Run {@code r} alone, as a {@link Transformer} over copies of its parameters, in {@code manager}. */
    public Model run(int r, TrainConfig c, NDManager manager) {
        NDList copies = new NDList();
        for (NDArray w : params) {
            NDArray x = w.get(r).duplicate();
            x.attach(manager);
            copies.add(x);
        }
        return Model.of(c, copies);
    }

    /** Keeps only the runs {@code kept} (indices, in order); their values are unchanged, their gradients dropped. */
    public void keep(NDArray kept) {
        NDList next = new NDList();
        for (NDArray w : params) {
            NDArray picked = w.get(kept);
            NDArray x = picked.stopGradient(); // a new leaf
            x.attach(w.getManager());
            picked.close();
            next.add(x);
        }
        params.close();
        use(next);
    }

    private void use(NDList stacked) {
        for (int i = 0; i < stacked.size(); i++) {
            stacked.get(i).setName(Transformer.NAMES.get(i));
            stacked.get(i).setRequiresGradient(true);
        }
        this.params = stacked;
    }

    private NDArray param(String name) {
        return params.get(Transformer.NAMES.indexOf(name));
    }

    /**
     * Logits at the last position of examples {@code (a, b)}, int64 [R, B] (run r's examples in
     * row r): [R, B, V]. The same computation as {@link Transformer#forward}, one run per batch.
     */
    public NDArray forward(NDArray a, NDArray b) {
        long runs = a.getShape().get(0);
        long hk = nHeads * dHead;
        NDArray W_E = param("W_E"), W_pos = param("W_pos"), W_U = param("W_U");
        NDArray W_Q = param("W_Q").reshape(runs, hk, dModel), W_K = param("W_K"); // [R, H·K, D], [R, H, K, D]
        NDArray W_V = param("W_V").reshape(runs, hk, dModel), W_O = param("W_O"); // [R, H·K, D], [R, D, H·K]
        NDArray W_in = param("W_in"), b_in = param("b_in"), W_out = param("W_out"), b_out = param("b_out");
        NDArray embed = W_E.transpose(0, 2, 1); // [R, V, D]
        NDArray r0 = embed.add(W_pos.get(":, 0:1, :")); // [R, V, D]
        NDArray r1 = embed.add(W_pos.get(":, 1:2, :")); // [R, V, D]
        NDArray r2 = embed.get(":, " + p + ", :").add(W_pos.get(":, 2, :")).expandDims(2); // [R, D, 1] "="
        NDArray q = W_Q.matMul(r2).reshape(runs, nHeads, dHead, 1); // [R, H, K, 1]
        NDArray qk = W_K.mul(q).sum(new int[] {2}).div(constant(a, Math.sqrt(dHead))); // [R, H, D]
        NDArray qkT = qk.transpose(0, 2, 1); // [R, D, H]
        NDArray rowA = rows(a), rowB = rows(b); // [R·B] rows of tables stacked per run
        NDArray s0 = gather(rowA, r0.matMul(qkT), runs); // [R, B, H]
        NDArray s1 = gather(rowB, r1.matMul(qkT), runs); // [R, B, H]
        NDArray s2 = qk.matMul(r2).transpose(0, 2, 1).broadcast(s0.getShape()); // [R, B, H]
        NDArray attn = NDArrays.stack(new NDList(s0, s1, s2), 3).softmax(3); // [R, B, H, 3]
        if (shape.attnCoeff() != 1) { // Zhong et al.'s rate, as in Transformer.rate
            attn = attn.mul(constant(a, shape.attnCoeff())).add(constant(a, 1 - shape.attnCoeff()));
        }
        NDArray wvT = W_V.transpose(0, 2, 1); // [R, D, H·K]
        NDArray v0 = gather(rowA, r0.matMul(wvT), runs).reshape(runs, -1, nHeads, dHead); // [R, B, H, K]
        NDArray v1 = gather(rowB, r1.matMul(wvT), runs).reshape(runs, -1, nHeads, dHead); // [R, B, H, K]
        NDArray v2 = W_V.matMul(r2).reshape(runs, 1, nHeads, dHead); // [R, 1, H, K]
        NDArray z = v0.mul(attn.get(":, :, :, 0:1"))
                .add(v1.mul(attn.get(":, :, :, 1:2")))
                .add(v2.mul(attn.get(":, :, :, 2:3"))); // [R, B, H, K]
        // As in Transformer.forward: the weights are multiplied together once per step.
        NDArray zFlat = z.reshape(runs, -1, hk); // [R, B, H·K]
        NDArray inBias = W_in.matMul(r2).transpose(0, 2, 1).add(b_in.expandDims(1)); // [R, 1, M]
        NDArray hidden = Model.activation(shape.activation(),
                zFlat.matMul(W_in.matMul(W_O).transpose(0, 2, 1)).add(inBias)); // [R, B, M]
        NDArray readOut = W_U.transpose(0, 2, 1); // [R, V, D]
        NDArray outBias = readOut.matMul(r2.add(b_out.expandDims(2))).transpose(0, 2, 1); // [R, 1, V]
        return hidden.matMul(readOut.matMul(W_out).transpose(0, 2, 1)).add(outBias) // [R, B, V]
                .add(zFlat.matMul(readOut.matMul(W_O).transpose(0, 2, 1)));
    }

    /** Indices [R, B] as rows of the runs' tables stacked into one [R·V, ·]: row r·V + x. */
    private NDArray rows(NDArray tokens) {
        long runs = tokens.getShape().get(0);
        NDArray base = tokens.getManager().arange(0, (int) (runs * vocab), (int) vocab, DataType.INT64)
                .reshape(runs, 1); // [R, 1]
        return tokens.add(base).reshape(-1); // [R·B]
    }

    /** Per-run tables [R, V, X] read at stacked rows [R·B]: [R, B, X]. */
    private NDArray gather(NDArray rows, NDArray tables, long runs) {
        return Model.embedding(rows, tables.reshape(runs * vocab, -1)).reshape(runs, -1, tables.getShape().get(2));
    }

    /** A scalar in the model's dtype, owned by the step's manager; see Transformer.constant. */
    private NDArray constant(NDArray like, double value) {
        return like.getManager().create(value).toType(dtype, false);
    }
}
