package groksweep.measures;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import groksweep.groups.CharacterTable;
import groksweep.groups.FiniteGroup;
import groksweep.model.Model;
import groksweep.results.Row;
import groksweep.results.Tables;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chughtai et al.'s (2023) representation-theory progress measures of a run on a finite group,
 * per irrep ρ of its {@link CharacterTable} (index r, 0 the trivial irrep), over all |G|² pairs
 * (x, y) in x-major order. They generalise the Fourier measures of Z_p: on C_n irrep k is
 * frequency k, and the neurons, key irreps and restricted and excluded losses equal
 * {@link ProgressMeasures#compute}'s neurons, key frequencies and losses for add mod n.
 *
 * <ul>
 * <li>{@code embed}, {@code unembed}: the share of W_E's element rows, and of W_L's, in ρ's
 * isotypic component;
 * <li>{@code left}, {@code right}, {@code product}: the share of the hidden layer's energy (all
 * pairs, uncentred) that is a function of x, of y, or of x·y lying in ρ: Chughtai et al.'s ρ(x),
 * ρ(y) and ρ(xy) parts;
 * <li>{@code logitSimilarity}: the mean over pairs of the cosine between the logits over z
 * (centred over z) and ψ_ρ(x·y·z⁻¹);
 * <li>{@code neurons}: clean neurons of ρ, a neuron being ρ's when the block (trivial ⊕ ρ)⊗(trivial ⊕ ρ)
 * holds more than {@link ProgressMeasures#CLEAN_SHARE} of its centred activations' energy;
 * <li>{@code keys}: the irreps with at least key_freq_min_neurons clean neurons, ascending;
 * <li>{@code restrictedLoss}: the loss on all pairs of the logits projected onto the functions
 * f(x·y) with f in the key irreps, plus the logits' mean over pairs; {@code excludedLoss}: the
 * train loss with that projection removed.
 * </ul>
 */
public record Irreps(CharacterTable table, double[] embed, double[] unembed, double[] left, double[] right,
        double[] product, double[] logitSimilarity, int[] neurons, int[] keys, double restrictedLoss,
        double excludedLoss) {

    /**
     * Measures {@code model} (one run) on every pair: a, b, labels are int64 [|G|²] in x-major order,
     * {@code train} the train pairs' indices.
     */
    public static Irreps measure(Model model, CharacterTable table, NDArray a, NDArray b, NDArray labels, int[] train,
            int keyMinNeurons) {
        NDManager manager = a.getManager();
        int n = table.group().order();
        int irreps = table.irreps().size();
        NDArray basis = basis(table, manager); // [n, n] float64
        NDArray indicator = indicator(table, manager, false); // [R, n]
        NDArray tokens = manager.arange(0, n, 1, DataType.INT64); // [n]
        Model.Output out = model.forward(a.expandDims(0), b.expandDims(0)); // [1, n², ·]
        NDArray logits = out.logits().get(0).toType(DataType.FLOAT64, false); // [n², V]
        NDArray hidden = out.hidden().get(0).toType(DataType.FLOAT64, false); // [n², M]
        NDArray byProduct = manager.create(byProduct(table.group())); // [n²] pair of (g, x) = (x, x⁻¹g)

        double[] embed = shares(basis, indicator, model.param("W_E").get(0).transpose().get(tokens)); // W_E rows [n, D]
        double[] unembed = shares(basis, indicator, model.neuronLogits().get(0).get(tokens)); // W_L rows [n, M]
        double hiddenEnergy = hidden.square().sum().getDouble();
        long m = hidden.getShape().get(1);
        NDArray grid = hidden.reshape(n, n, m); // [x, y, M]
        double[] left = energies(basis, indicator, grid.mean(new int[] {1}), n / hiddenEnergy); // functions of x
        double[] right = energies(basis, indicator, grid.mean(new int[] {0}), n / hiddenEnergy); // functions of y
        double[] product = energies(basis, indicator,
                hidden.get(byProduct).reshape(n, n, m).mean(new int[] {1}), n / hiddenEnergy); // functions of x·y

        NDArray blocks = indicator(table, manager, true).get("1:"); // [R − 1, n] non-trivial irreps, with the trivial row
        int[] neuronIrrep = ProgressMeasures.neuronBlocks(out.hidden().get(0),
                basis.toType(model.dtype(), false), blocks.toType(model.dtype(), false));
        int[] clean = ProgressMeasures.clusterSizes(neuronIrrep, irreps - 1);
        int[] neurons = new int[irreps]; // the trivial irrep has none
        System.arraycopy(clean, 0, neurons, 1, irreps - 1);
        int[] keys = ProgressMeasures.keyFrequencies(clean, keyMinNeurons);

        NDArray projection = projection(table, logits, keys); // [n², V]
        NDArray trainRows = manager.create(Arrays.stream(train).asLongStream().toArray());
        double restricted = Model.crossEntropy(projection.add(logits.mean(new int[] {0})), labels).getDouble();
        double excluded = Model.crossEntropy(logits.sub(projection).get(trainRows), labels.get(trainRows)).getDouble();
        return new Irreps(table, embed, unembed, left, right, product,
                logitSimilarity(table, logits.get(":, :" + n)), neurons, keys, restricted, excluded);
    }

    /** The adapted basis as [n, n] float64, rows grouped by irrep. */
    static NDArray basis(CharacterTable table, NDManager manager) {
        double[][] rows = table.basis().rows();
        int n = rows.length;
        double[] flat = new double[n * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, flat, i * n, n);
        }
        return manager.create(flat, new Shape(n, n)); // [n, n]
    }

    /** [R, n]: 1 where basis row i is irrep r's, and on the trivial irrep's row too when {@code withTrivial}. */
    static NDArray indicator(CharacterTable table, NDManager manager, boolean withTrivial) {
        int[] irrepOf = table.basis().irrepOf();
        int n = irrepOf.length;
        int irreps = table.irreps().size();
        double[] g = new double[irreps * n];
        for (int i = 0; i < n; i++) {
            g[irrepOf[i] * n + i] = 1;
            if (withTrivial && irrepOf[i] == 0) {
                for (int r = 0; r < irreps; r++) {
                    g[r * n + i] = 1;
                }
            }
        }
        return manager.create(g, new Shape(irreps, n)); // [R, n]
    }

    private static final java.util.Map<String, long[]> BY_PRODUCT = new java.util.concurrent.ConcurrentHashMap<>();

    /** The pair index x·n + x⁻¹g at position g·n + x: pairs grouped by their product g. Built once per group. */
    static long[] byProduct(FiniteGroup group) {
        return BY_PRODUCT.computeIfAbsent(group.name(), name -> productOrder(group));
    }

    private static long[] productOrder(FiniteGroup group) {
        int n = group.order();
        int[] inverse = group.inverses();
        long[] order = new long[n * n];
        for (int g = 0; g < n; g++) {
            for (int x = 0; x < n; x++) {
                order[g * n + x] = (long) x * n + group.multiply(inverse[x], g);
            }
        }
        return order;
    }

    /** Energy of f [n, C] (rows by element) per irrep, times {@code scale}: [R]. */
    private static double[] energies(NDArray basis, NDArray indicator, NDArray f, double scale) {
        NDArray perRow = basis.matMul(f.toType(DataType.FLOAT64, false)).square().sum(new int[] {1}); // [n]
        return indicator.matMul(perRow).mul(scale).toDoubleArray(); // [R]
    }

    /** The share of f's energy [n, C] in each irrep: [R], summing to 1. */
    static double[] shares(NDArray basis, NDArray indicator, NDArray f) {
        double total = f.toType(DataType.FLOAT64, false).square().sum().getDouble();
        return energies(basis, indicator, f, total == 0 ? 0 : 1 / total);
    }

    /**
     * The part of logits [n², V] (x-major pairs) that is a function f(x·y) with f in the irreps
     * {@code keys}, per output class: the logits averaged over the pairs of each product, projected
     * onto those irreps' rows of the adapted basis, and read back at each pair's product. On C_n
     * this is {@link ProgressMeasures#keyProjection}.
     */
    static NDArray projection(CharacterTable table, NDArray logits, int[] keys) {
        NDManager manager = logits.getManager();
        FiniteGroup group = table.group();
        int n = group.order();
        long v = logits.getShape().get(1);
        double[] keep = new double[n];
        int[] irrepOf = table.basis().irrepOf();
        for (int i = 0; i < n; i++) {
            int r = irrepOf[i];
            keep[i] = Arrays.stream(keys).anyMatch(k -> k == r) ? 1 : 0;
        }
        NDArray basis = basis(table, manager); // [n, n]
        NDArray mean = logits.get(manager.create(byProduct(group))).reshape(n, n, v).mean(new int[] {1}); // [g, V]
        NDArray coefficients = basis.matMul(mean).mul(manager.create(keep).expandDims(1)); // [n, V] key rows only
        NDArray perProduct = basis.transpose().matMul(coefficients); // [g, V]
        long[] productOf = new long[n * n];
        for (int xy = 0; xy < n * n; xy++) {
            productOf[xy] = group.multiply(xy / n, xy % n);
        }
        return perProduct.get(manager.create(productOf)); // [n², V]
    }

    /**
     * Per irrep, the mean over pairs of cos(L(x, y, ·) − its mean, ψ_ρ(x·y·z⁻¹) over z), logits
     * [n², n] float64 over the n element classes. Σ_z ψ_ρ(h)² = |G|·multiplicity, so ψ's norm is known.
     */
    static double[] logitSimilarity(CharacterTable table, NDArray logits) {
        NDManager manager = logits.getManager();
        FiniteGroup group = table.group();
        int n = group.order();
        int[] inverse = group.inverses();
        NDArray centred = logits.sub(logits.mean(new int[] {1}, true)); // [n², n]
        NDArray rowNorms = centred.square().sum(new int[] {1}).sqrt(); // [n²]
        NDArray grouped = centred.get(manager.create(byProduct(group))).reshape(n, n, n); // [g, x, z]
        NDArray norms = rowNorms.get(manager.create(byProduct(group))).reshape(n, n); // [g, x]
        double[] out = new double[table.irreps().size()];
        for (int r = 0; r < out.length; r++) {
            CharacterTable.Irrep rho = table.irreps().get(r);
            double[] t = new double[n * n]; // [g, z]: ψ_ρ(g·z⁻¹)
            for (int g = 0; g < n; g++) {
                for (int z = 0; z < n; z++) {
                    t[g * n + z] = table.character(rho, group.multiply(g, inverse[z]));
                }
            }
            NDArray trace = manager.create(t, new Shape(n, n, 1)); // [g, z, 1]
            NDArray dots = grouped.matMul(trace).reshape(n, n); // [g, x]
            out[r] = dots.div(norms.mul(Math.sqrt((double) n * rho.multiplicity()))).mean().getDouble();
        }
        return out;
    }

    /** Irreps rows for the run at {@code step}: one per irrep. */
    public List<Row> rows(String runId, int step) {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < embed.length; r++) {
            CharacterTable.Irrep rho = table.irreps().get(r);
            int irrep = r;
            rows.add(Tables.IRREPS.row().set("run_id", runId).set("step", step).set("irrep", r)
                    .set("name", rho.name()).set("dim", rho.dimension() * rho.multiplicity()).set("faithful", table.faithful(rho))
                    .set("embed", embed[r]).set("unembed", unembed[r]).set("hidden_left", left[r])
                    .set("hidden_right", right[r]).set("hidden_product", product[r])
                    .set("logit_similarity", logitSimilarity[r]).set("neurons", neurons[r])
                    .set("key", Arrays.stream(keys).anyMatch(k -> k == irrep)));
        }
        return rows;
    }
}
