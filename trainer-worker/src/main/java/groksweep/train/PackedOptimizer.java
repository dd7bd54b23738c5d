package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;

import java.util.Arrays;
import java.util.List;

/**
 * {@link Optimizer}'s AdamW and Adam for a pack: moments [R, Σ sizes], one row per run laid out as
 * the single run's flat state, and each run's learning rate, weight decay, betas and eps as a
 * column [R, 1]. Every operation is elementwise within a row or a reduction over it, so each run
 * is updated exactly as it would be alone, and its row is its checkpoint state ({@link #state}).
 */
final class PackedOptimizer {
    private NDArray m; // [R, Σ sizes]
    private NDArray v; // [R, Σ sizes]
    private int t;
    private double[] updateNorm; // per run; NaN when not measured

    /** Starts from each run's optimizer state (fresh or from a checkpoint), all at the same update. */
    PackedOptimizer(List<Optimizer> runs, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDList ms = new NDList(), vs = new NDList();
            for (Optimizer o : runs) {
                NDList s = o.state(scope);
                ms.add(s.get("m"));
                vs.add(s.get("v"));
            }
            m = NDArrays.stack(ms);
            v = NDArrays.stack(vs);
            m.attach(manager);
            v.attach(manager);
        }
        t = runs.get(0).updatesDone();
        updateNorm = runs.stream().mapToDouble(Optimizer::updateNorm).toArray();
    }

    int updatesDone() {
        return t;
    }

    double updateNorm(int r) {
        return updateNorm[r];
    }

    /**
     * One update of every run from the gradients in {@code params} ([R, ...] each; zeroed after),
     * with run r's options {@code configs.get(r)}. Temporaries live in {@code scope}.
     */
    void step(NDManager scope, NDList params, List<TrainConfig> configs, boolean measure) {
        t++;
        scope.tempAttachAll(m, v);
        try (GradMode noGrad = GradMode.disabled()) {
            int runs = configs.size();
            NDArray before = measure ? flatten(params) : null; // [R, Σ]
            NDList grads = new NDList(params.size());
            for (NDArray w : params) {
                NDArray g = JniUtils.getGradient((PtNDArray) w);
                g.attach(scope);
                grads.add(g.reshape(runs, -1));
            }
            NDArray g = NDArrays.concat(grads, 1); // [R, Σ]
            double[] lr = configs.stream().mapToDouble(c -> Optimizer.learningRate(c, t)).toArray();
            double[] wd = configs.stream().mapToDouble(TrainConfig::weightDecay).toArray();
            boolean decoupled = configs.get(0).optimizer().equals("adamw");
            if (!decoupled) { // adam: the decay joins the gradient
                g = g.add(flatten(params).muli(column(scope, wd, g)));
            }
            double[] beta1 = configs.stream().mapToDouble(TrainConfig::beta1).toArray();
            double[] beta2 = configs.stream().mapToDouble(TrainConfig::beta2).toArray();
            m.muli(column(scope, beta1, g)).addi(g.mul(column(scope, each(beta1, b -> 1 - b), g)));
            v.muli(column(scope, beta2, g)).addi(g.square().muli(column(scope, each(beta2, b -> 1 - b), g)));
            double[] stepSize = new double[runs];
            double[] bias2Sqrt = new double[runs];
            for (int r = 0; r < runs; r++) {
                stepSize[r] = lr[r] / (1 - Math.pow(beta1[r], t));
                bias2Sqrt[r] = Math.sqrt(1 - Math.pow(beta2[r], t));
            }
            double[] eps = configs.stream().mapToDouble(TrainConfig::eps).toArray();
            NDArray update = m.div(v.sqrt().divi(column(scope, bias2Sqrt, g)).addi(column(scope, eps, g)))
                    .muli(column(scope, stepSize, g)); // [R, Σ]
            long offset = 0;
            for (NDArray w : params) {
                long size = w.size() / runs;
                if (decoupled) {
                    double[] keep = new double[runs];
                    Arrays.setAll(keep, r -> 1 - lr[r] * wd[r]);
                    w.muli(column(scope, keep, w));
                }
                w.subi(update.get(":, " + offset + ":" + (offset + size)).reshape(w.getShape()));
                JniUtils.zeroGrad((PtNDArray) w);
                offset += size;
            }
            if (measure) {
                updateNorm = flatten(params).subi(before).toType(DataType.FLOAT64, false)
                        .square().sum(new int[] {1}).sqrt().toDoubleArray();
            } else {
                Arrays.fill(updateNorm, Double.NaN);
            }
        }
    }

    /** Keeps only the runs {@code kept} (indices, in order). */
    void keep(NDArray kept, int[] indices) {
        NDArray m2 = m.get(kept), v2 = v.get(kept);
        m2.attach(m.getManager());
        v2.attach(v.getManager());
        m.close();
        v.close();
        m = m2;
        v = v2;
        updateNorm = Arrays.stream(indices).mapToDouble(r -> updateNorm[r]).toArray();
    }

    /** Run r's state as {@link Optimizer#state} names it, in {@code manager}: a single run's checkpoint. */
    NDList state(int r, NDManager manager) {
        NDList out = new NDList();
        for (NDArray x : List.of(m, v)) {
            NDArray row = x.get(r).duplicate();
            row.attach(manager);
            row.setName(x == m ? "m" : "v");
            out.add(row);
        }
        out.add(scalar(manager, "updates", t));
        out.add(scalar(manager, "update_norm", updateNorm[r]));
        out.add(scalar(manager, "target_norm", 0));
        return out;
    }

    /** Values per run as a column [R, 1, ..., 1] of {@code like}'s rank and dtype. */
    private static NDArray column(NDManager scope, double[] values, NDArray like) {
        long[] shape = new long[like.getShape().dimension()];
        Arrays.fill(shape, 1);
        shape[0] = values.length;
        return scope.create(values, new Shape(shape)).toType(like.getDataType(), false);
    }

    private static double[] each(double[] values, java.util.function.DoubleUnaryOperator f) {
        return Arrays.stream(values).map(f).toArray();
    }

    /** Parameters as rows: [R, Σ sizes]. */
    private static NDArray flatten(NDList params) {
        long runs = params.head().getShape().get(0);
        NDList flat = new NDList(params.size());
        params.forEach(w -> flat.add(w.reshape(runs, -1)));
        return NDArrays.concat(flat, 1);
    }

    private static NDArray scalar(NDManager manager, String name, double value) {
        NDArray x = manager.create(new double[] {value});
        x.setName(name);
        return x;
    }
}
