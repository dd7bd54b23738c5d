package groksweep.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * The operations of the one engine that depend on the run axis: products with per-run weights,
 * gathers from per-run tables, and per-run reductions. The models write their forward once, in
 * shapes {@code [(R,) ...]}: with several runs every tensor has the run axis R first and these
 * operations take torch's batched forms; a single run's forward runs on its tensors without the
 * run axis ({@link Network#forward}), so it takes torch's 2-D kernels and computes bit for bit
 * what one run always computed (batched kernels round differently in the last bits, and are
 * slower for one run). Which case applies is read from the weight's rank. Elementwise operations
 * need no choice: they round the same whatever the layout.
 */
public final class Runs {
    private Runs() {}

    /** x [(R,) ..., n, k] · y [(R,) k, m]: [(R,) ..., n, m]. */
    public static NDArray mm(NDArray x, NDArray y) {
        return y.getShape().dimension() == 2 ? x.matMul(y) : asRows(x, rows -> rows.matMul(y));
    }

    /** w [(R,) n, k] · x [(R,) k]: [(R,) n], a matrix-vector product for one run. */
    public static NDArray mv(NDArray w, NDArray x) {
        return w.getShape().dimension() == 2 ? w.matMul(x) : w.matMul(x.expandDims(2)).squeeze(2);
    }

    /** x [(R,) ..., k] · wᵀ + bias, w [(R,) n, k], bias [(R,) n]: [(R,) ..., n]; torch's fused linear for one run. */
    public static NDArray linear(NDArray x, NDArray w, NDArray bias) {
        if (w.getShape().dimension() == 2) {
            return Model.linear(x, w, bias);
        }
        return asRows(x, rows -> rows.matMul(w.transpose(0, 2, 1)).add(bias.expandDims(1)));
    }

    /**
     * {@code f} of x [R, ..., k] with its middle axes folded into rows, [R, n, k], its result
     * [R, n, m] unfolded to [R, ..., m]. torch broadcasts a per-run weight [R, 1, k, m] against
     * x [R, B, P, k] by copying it once per example, which made packs of deeper models slower
     * than their runs one after another; folded, each run's product is one matrix product.
     */
    private static NDArray asRows(NDArray x, UnaryOperator<NDArray> f) {
        Shape s = x.getShape();
        if (s.dimension() == 3) {
            return f.apply(x);
        }
        NDArray out = f.apply(x.reshape(s.get(0), -1, s.tail()));
        return out.reshape(s.slice(0, s.dimension() - 1).add(out.getShape().tail()));
    }

    /** Rows of tables [(R,) V, X] at tokens [(R,) B]: [(R,) B, X]. */
    public static NDArray gather(NDArray tokens, NDArray tables) {
        if (tables.getShape().dimension() == 2) {
            return Model.embedding(tokens, tables);
        }
        long runs = runs(tokens);
        long vocab = tables.getShape().get(1);
        NDArray base = tokens.getManager().arange(0, (int) (runs * vocab), (int) vocab, DataType.INT64)
                .reshape(runs, 1); // [R, 1]: run r's table starts at row r·V of the stacked tables
        NDArray rows = tokens.add(base).reshape(-1); // [R·B]
        return Model.embedding(rows, tables.reshape(runs * vocab, -1)).reshape(runs, -1, tables.getShape().get(2));
    }

    /** {@code row} [(R,) X] added to every row of {@code tables} [(R,) V, X]. */
    public static NDArray addToRows(NDArray tables, NDArray row) {
        return row.getShape().dimension() == 1 ? tables.add(row) : tables.add(row.expandDims(1));
    }

    /** {@code x} [(R,) X] repeated for each of B examples: [(R,) B, X]. */
    public static NDArray perExample(NDArray x, long batch) {
        Shape s = x.getShape();
        return s.dimension() == 1 ? x.broadcast(batch, s.get(0)) : x.expandDims(1).broadcast(s.get(0), batch, s.get(1));
    }

    /** Σ x² per run of {@code x} [R, ...], cast to float64 before squaring: [R] as Java values. */
    public static double[] squareSums(NDArray x) {
        NDArray x64 = x.toType(DataType.FLOAT64, false);
        if (runs(x) == 1) {
            return new double[] {x64.square().sum().getDouble()};
        }
        return x64.reshape(runs(x), -1).square().sum(new int[] {1}).toDoubleArray();
    }

    /** Σ x·y per run of {@code x}, {@code y} [R, ...], both cast to float64 first: [R] as Java values. */
    public static double[] dotSums(NDArray x, NDArray y) {
        NDArray product = x.toType(DataType.FLOAT64, false).mul(y.toType(DataType.FLOAT64, false));
        if (runs(x) == 1) {
            return new double[] {product.sum().getDouble()};
        }
        return product.reshape(runs(x), -1).sum(new int[] {1}).toDoubleArray();
    }

    /** Per-run dot products of rows x, y [R, n]: [R] (in their dtype). */
    public static NDArray dots(NDArray x, NDArray y) {
        if (runs(x) == 1) {
            return x.get(0).dot(y.get(0)).reshape(1);
        }
        return x.mul(y).sum(new int[] {1});
    }

    /** Per-run L2 norms of rows x [R, n]: [R] (in its dtype). */
    public static NDArray norms(NDArray x) {
        if (runs(x) == 1) {
            return x.get(0).norm().reshape(1);
        }
        return x.square().sum(new int[] {1}).sqrt();
    }

    /** The mean of x [R, n] per run: [R]. */
    public static NDArray means(NDArray x) {
        if (runs(x) == 1) {
            return x.get(0).mean().reshape(1);
        }
        return x.mean(new int[] {1});
    }

    /**
     * x times each run's own value, in place: one run's is a scalar (as one run always computed),
     * several runs' a column [R, 1, ..., 1] in x's dtype.
     */
    public static NDArray scalei(NDArray x, double[] values) {
        return values.length == 1 ? x.muli(values[0]) : x.muli(column(x, values));
    }

    /** x times each run's own value, as a new array; see {@link #scalei}. */
    public static NDArray scale(NDArray x, double[] values) {
        return values.length == 1 ? x.mul(values[0]) : x.mul(column(x, values));
    }

    /** x divided by each run's own value, in place; see {@link #scalei}. */
    public static NDArray dividei(NDArray x, double[] values) {
        return values.length == 1 ? x.divi(values[0]) : x.divi(column(x, values));
    }

    /** x plus each run's own value, in place; see {@link #scalei}. */
    public static NDArray addi(NDArray x, double[] values) {
        return values.length == 1 ? x.addi(values[0]) : x.addi(column(x, values));
    }

    /** Values per run as a column [R, 1, ..., 1] of {@code like}'s rank and dtype, in its manager. */
    public static NDArray column(NDArray like, double[] values) {
        long[] shape = new long[like.getShape().dimension()];
        Arrays.fill(shape, 1);
        shape[0] = values.length;
        return like.getManager().create(values, new Shape(shape)).toType(like.getDataType(), false);
    }

    /** The number of runs: the length of the leading axis. */
    public static long runs(NDArray x) {
        return x.getShape().get(0);
    }
}
