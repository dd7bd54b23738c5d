package groksweep.measures;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The Fourier basis of Z_p and the transforms the progress measures need (Nanda et al. 2023).
 * Row 0 is the constant 1/√p; rows 2k−1 and 2k are cos(2πkx/p) and sin(2πkx/p), normalised,
 * for k = 1..⌊p/2⌋ (⌊p/2⌋ included). For odd p the p rows are an orthonormal basis; for even p
 * sin(πx) vanishes, so k = p/2 has its cosine row only.
 */
public final class Fourier {
    private Fourier() {}

    /** Number of frequencies k = 1..⌊p/2⌋. */
    public static int frequencies(int p) {
        return p / 2;
    }

    /** Basis row of cos_k (k ≥ 1). */
    public static int cosRow(int k) {
        return 2 * k - 1;
    }

    /** Basis row of sin_k, or −1 where it vanishes (even p, k = p/2). */
    public static int sinRow(int p, int k) {
        return 2 * k == p ? -1 : 2 * k;
    }

    /** The basis as a [p, p] matrix, rows as above, in float64. */
    public static double[][] basis(int p) {
        double[][] f = new double[p][p];
        for (int x = 0; x < p; x++) {
            f[0][x] = 1 / Math.sqrt(p);
        }
        for (int k = 1; k <= frequencies(p); k++) {
            for (int x = 0; x < p; x++) {
                f[cosRow(k)][x] = Math.cos(2 * Math.PI * k * x / p);
                if (sinRow(p, k) >= 0) {
                    f[sinRow(p, k)][x] = Math.sin(2 * Math.PI * k * x / p);
                }
            }
            normalise(f[cosRow(k)]);
            if (sinRow(p, k) >= 0) {
                normalise(f[sinRow(p, k)]);
            }
        }
        return f;
    }

    public static NDArray basis(int p, NDManager manager, DataType type) {
        double[][] f = basis(p);
        double[] flat = new double[p * p];
        for (int i = 0; i < p; i++) {
            System.arraycopy(f[i], 0, flat, i * p, p);
        }
        return manager.create(flat, new Shape(p, p)).toType(type, false); // [p, p]
    }

    /**
     * Per-frequency norms of x [p, C] along its first (token) axis: for each k the norm of the
     * components on cos_k and sin_k together. Returns [⌊p/2⌋].
     */
    public static NDArray frequencyNorms(NDArray basis, NDArray x) {
        NDArray coeffSq = basis.matMul(x).square().sum(new int[] {1}); // [p] energy per basis row
        return blockSums(coeffSq).sqrt(); // [⌊p/2⌋]
    }

    /** Sums a per-row quantity [p, ...] over each frequency's {cos_k, sin_k} rows: [⌊p/2⌋, ...]. */
    static NDArray blockSums(NDArray perRow) {
        int p = (int) perRow.getShape().get(0);
        return indicator(p, perRow.getManager(), perRow.getDataType(), false).matMul(perRow);
    }

    /**
     * The [⌊p/2⌋, p] 0/1 matrix selecting each frequency's rows: {cos_k, sin_k}, plus the constant
     * row when {@code withConstant}.
     */
    static NDArray indicator(int p, NDManager manager, DataType type, boolean withConstant) {
        int n = frequencies(p);
        double[] g = new double[n * p];
        for (int k = 1; k <= n; k++) {
            int row = (k - 1) * p;
            g[row + cosRow(k)] = 1;
            if (sinRow(p, k) >= 0) {
                g[row + sinRow(p, k)] = 1;
            }
            if (withConstant) {
                g[row] = 1;
            }
        }
        return manager.create(g, new Shape(n, p)).toType(type, false);
    }

    /**
     * Doshi et al.'s (2024) inverse participation ratio, r = 2, of each column of x [n, C] along its
     * first axis, as their {@code calculate_ipr(|rfft(w)|, 2)}: with F_k = |Σ_t x_t e^(−2πikt/n)| for
     * k = 0..⌊n/2⌋, Σ F⁴ / (Σ F²)². 1 for a single frequency, 1/(⌊n/2⌋ + 1) for a flat spectrum.
     * Returns [C], in float64.
     */
    public static NDArray ipr(NDArray x) {
        int n = (int) x.getShape().get(0);
        int k = n / 2 + 1;
        double[] cos = new double[k * n], sin = new double[k * n];
        for (int f = 0; f < k; f++) {
            for (int t = 0; t < n; t++) {
                cos[f * n + t] = Math.cos(2 * Math.PI * f * t / n);
                sin[f * n + t] = Math.sin(2 * Math.PI * f * t / n);
            }
        }
        NDManager m = x.getManager();
        NDArray w = x.toType(DataType.FLOAT64, false); // [n, C]
        NDArray power = m.create(cos, new Shape(k, n)).matMul(w).square()
                .add(m.create(sin, new Shape(k, n)).matMul(w).square()); // [k, C] F²
        return power.square().sum(new int[] {0}).div(power.sum(new int[] {0}).square()); // [C]
    }

    private static void normalise(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
    }
}
