package groksweep.measures;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import groksweep.config.Operation;
import groksweep.config.TrainConfig;
import groksweep.groups.CharacterTable;
import groksweep.model.Model;
import groksweep.results.Row;
import groksweep.model.GradMode;
import groksweep.results.Tables;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The progress measures of Nanda et al. (2023) at one step, computed on the model's own tensors
 * over all inputs, in the Fourier basis of the operation's group: Z_p for add and sub, Z_p* in
 * discrete-log coordinates (x = g^i, frequencies over Z_(p−1)) for mul and div. Frequencies k run
 * over 1..⌊n/2⌋ for a group of order n; arrays indexed by frequency hold k at index k − 1. The
 * polynomial operations have no such group: their spectra and Gini coefficients use Z_p, and the
 * key frequencies and restricted and excluded losses are null. A run on a finite group adds its
 * {@link Irreps}; on a group other than C_n they replace the Fourier measures, their restricted
 * and excluded losses standing in for the key frequencies'.
 */
public record ProgressMeasures(
        Double restrictedLoss,
        Double excludedLoss,
        Double giniEmbed,
        Double giniWl,
        int[] keyFreqs,
        int[] keyFreqsEmbed,
        double[] embedNorms,
        double[] wlNorms,
        int[] clusterSizes,
        Double distanceIrrelevance,
        Double gradientSymmetricity,
        Double ipr,
        Irreps irreps) {

    /** A neuron is clean when one frequency's block holds more than this share of its energy. */
    public static final double CLEAN_SHARE = 0.85;

    /**
     * Measures {@code model}, a single run, as its config asks: the Fourier measures for a ∘ b mod
     * p and C_n, the irreps' for any group. a, b, labels are int64 [p²] in a-major order.
     */
    public static ProgressMeasures measure(TrainConfig c, Model model, NDArray a, NDArray b, NDArray labels,
            int[] train) {
        Irreps irreps = c.finiteGroup() == null ? null
                : Irreps.measure(model, CharacterTable.of(c.finiteGroup()), a, b, labels, train, c.keyFreqMinNeurons());
        if (c.modular()) {
            return compute(model, c.op(), a, b, labels, train, c.keyFreqMinNeurons()).with(irreps);
        }
        return new ProgressMeasures(irreps.restrictedLoss(), irreps.excludedLoss(), null, null, null, null,
                new double[0], new double[0], new int[0], null,
                gradientSymmetricity(model, a.getManager(), SYMMETRICITY_TRIPLES, SYMMETRICITY_SEED), null, irreps);
    }

    private ProgressMeasures with(Irreps irreps) {
        return new ProgressMeasures(restrictedLoss, excludedLoss, giniEmbed, giniWl, keyFreqs, keyFreqsEmbed, embedNorms,
                wlNorms, clusterSizes, distanceIrrelevance, gradientSymmetricity, ipr, irreps);
    }

    /**
     * Measures {@code model}, a single run (R = 1), learning {@code op} on every pair: a, b, labels
     * are int64 [p²] in a-major order (index a·p + b); {@code train} are the train pairs' indices.
     */
    public static ProgressMeasures compute(Model model, Operation op, NDArray a, NDArray b, NDArray labels,
            int[] train, int keyFreqMinNeurons) {
        int p = model.modulus();
        NDManager manager = a.getManager();
        boolean multiplicative = op.group == Operation.Group.MULTIPLICATIVE;
        int n = multiplicative ? p - 1 : p; // the group's order: size of its Fourier basis
        int[] elements = elements(op, p); // token of coordinate i
        int[] pairs = gridPairs(op, p);
        NDArray tokens = manager.create(Arrays.stream(elements).asLongStream().toArray()); // [n]
        NDArray grid = manager.create(Arrays.stream(pairs).asLongStream().toArray()); // [n²]
        NDArray basis = Fourier.basis(n, manager, model.dtype()); // [n, n]
        Model.Output out = model.forward(a.get(grid).expandDims(0), b.get(grid).expandDims(0)); // [1, n², ·]
        NDArray embed = model.param("W_E").get(0).transpose().get(tokens); // [n, D]
        NDArray wl = model.neuronLogits().get(0).get(tokens); // [n, M]
        double[] embedNorms = Fourier.frequencyNorms(basis, embed).toType(DataType.FLOAT64, false).toDoubleArray();
        double[] wlNorms = Fourier.frequencyNorms(basis, wl).toType(DataType.FLOAT64, false).toDoubleArray();
        int[] neuronFreq = neuronFrequencies(out.hidden().get(0), basis);
        int[] clusterSizes = clusterSizes(neuronFreq, Fourier.frequencies(n));
        double symmetricity = gradientSymmetricity(model, manager, SYMMETRICITY_TRIPLES, SYMMETRICITY_SEED);
        Double ipr = meanIpr(model.neuronLogits().get(0).get(":" + p)); // outputs 0..p−1, not "="
        if (op.group == Operation.Group.NONE) {
            return new ProgressMeasures(null, null, gini(embedNorms), gini(wlNorms), null,
                    halfOfLargest(embedNorms), embedNorms, wlNorms, clusterSizes, null, symmetricity, ipr, null);
        }
        int[] keys = keyFrequencies(clusterSizes, keyFreqMinNeurons);
        int[] coordinate = new int[p * p]; // pair index → its row in the grid, or −1 outside it
        Arrays.fill(coordinate, -1);
        for (int ij = 0; ij < n * n; ij++) {
            coordinate[pairs[ij]] = ij;
        }
        NDArray trainRows = manager.create(Arrays.stream(train).map(t -> coordinate[t]).filter(ij -> ij >= 0)
                .asLongStream().toArray()); // [N'] train pairs inside the grid
        NDArray y = labels.get(grid); // [n²]
        NDArray logits = out.logits().get(0).toType(DataType.FLOAT64, false); // [n², V]
        int sign = op == Operation.SUB || op == Operation.DIV ? -1 : 1;
        NDArray projection = keyProjection(logits, n, keys, sign); // [n², V]
        double restricted = Model.crossEntropy(projection.add(logits.mean(new int[] {0})), y).getDouble();
        double excluded = Model.crossEntropy(logits.sub(projection).get(trainRows), y.get(trainRows)).getDouble();
        Double irrelevance = op == Operation.ADD
                ? distanceIrrelevance(logits.gather(y.expandDims(1), 1).toDoubleArray(), p) : null;
        return new ProgressMeasures(restricted, excluded, gini(embedNorms), gini(wlNorms), keys,
                halfOfLargest(embedNorms), embedNorms, wlNorms, clusterSizes, irrelevance, symmetricity, ipr, null);
    }

    /**
     * Doshi et al.'s IPR averaged over the neurons whose W_L column is not all zero (a neuron that
     * weight decay has erased has no spectrum); null when none is left.
     */
    static Double meanIpr(NDArray wl) {
        double[] each = Arrays.stream(Fourier.ipr(wl).toDoubleArray()).filter(Double::isFinite).toArray();
        return each.length == 0 ? null : Arrays.stream(each).average().getAsDouble();
    }

        /** Triples for the gradient symmetricity: ten times Zhong et al.'s 100, for a standard error near 0.003. */
    public static final int SYMMETRICITY_TRIPLES = 1_000;

    /** The triples' seed, fixed so that every step and every run is measured on the same ones. */
    public static final long SYMMETRICITY_SEED = 42;

    /**
     * Zhong et al.'s (2023) gradient symmetricity: over {@code triples} triples (a, b, c) drawn
     * uniformly from Z_p³ with {@code seed}, the mean cosine between the gradients of logit c with
     * respect to the token embedding of a and to that of b (before the positional embedding, as in
     * their notebook, which draws 100 triples). Near 1 when the model reads a and b only through a
     * symmetric combination such as E_a + E_b (the pizza). The gradients are taken on a copy of
     * the model (a single run) cut from the training graph, so the parameters' own gradients are untouched.
     */
    public static double gradientSymmetricity(Model model, NDManager manager, int triples, long seed) {
        int p = model.modulus();
        SplittableRandom rng = new SplittableRandom(seed);
        long[][] abc = new long[3][triples];
        for (int i = 0; i < triples; i++) {
            for (long[] column : abc) {
                column[i] = rng.nextInt(p);
            }
        }
        try (NDManager scope = manager.newSubManager(); GradMode grad = GradMode.enabled()) {
            Model frozen = Model.detached(model, scope);
            NDArray embed = frozen.param("W_E").get(0).transpose(); // [V, D]
            NDArray ea = Model.embedding(scope.create(abc[0]), embed).stopGradient(); // [T, D] leaves of their own
            NDArray eb = Model.embedding(scope.create(abc[1]), embed).stopGradient(); // [T, D]
            ea.setRequiresGradient(true);
            eb.setRequiresGradient(true);
            NDArray logits = frozen.forwardEmbedded(ea.expandDims(0), eb.expandDims(0)).logits().get(0); // [T, V]
            GradMode.backward(logits.gather(scope.create(abc[2]).expandDims(1), 1).sum()); // each row's own logit c
            NDArray ga = ea.getGradient().toType(DataType.FLOAT64, false); // [T, D]
            NDArray gb = eb.getGradient().toType(DataType.FLOAT64, false); // [T, D]
            NDArray cos = ga.mul(gb).sum(new int[] {1})
                    .div(ga.square().sum(new int[] {1}).mul(gb.square().sum(new int[] {1})).sqrt()); // [T]
            return cos.mean().getDouble();
        }
    }

    /**
     * Zhong et al.'s (2023) distance irrelevance for a + b: the correct logit of every pair
     * ({@code correct}, [p²] a-major) arranged as L[(a + b) mod p][(a − b) mod p]; the mean over
     * differences of the standard deviation over sums, divided by the standard deviation of all of
     * L (population deviations, as their notebook's numpy). Near 1 when the logit ignores a − b
     * (the clock), near 0 when it depends on a − b alone (the pizza).
     */
    public static double distanceIrrelevance(double[] correct, int p) {
        double[][] byDifference = new double[p][p]; // [a − b][a + b]
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                byDifference[Math.floorMod(a - b, p)][(a + b) % p] = correct[a * p + b];
            }
        }
        double meanStd = Arrays.stream(byDifference).mapToDouble(ProgressMeasures::std).average().orElse(0);
        return meanStd / std(Arrays.stream(byDifference).flatMapToDouble(Arrays::stream).toArray());
    }

    private static double std(double[] x) {
        double mean = Arrays.stream(x).average().orElse(0);
        return Math.sqrt(Arrays.stream(x).map(v -> (v - mean) * (v - mean)).average().orElse(0));
    }

    /** The group element (token) at each coordinate: x for Z_p, g^i for Z_p*. */
    public static int[] elements(Operation op, int p) {
        return op.group == Operation.Group.MULTIPLICATIVE ? CyclicGroup.of(p).power() : IntStream.range(0, p).toArray();
    }

    /** The pair index a·p + b at each coordinate (i, j) of the group's grid, i-major: [n²]. */
    public static int[] gridPairs(Operation op, int p) {
        int[] e = elements(op, p);
        int n = e.length;
        return IntStream.range(0, n * n).map(ij -> e[ij / n] * p + e[ij % n]).toArray();
    }

    /**
     * Each neuron's frequency, or 0 where it is not clean. hidden: [p², M] activations at the last
     * position in a-major order. Centred over inputs, transformed in a and in b; a neuron's
     * frequency is the k whose block {const, cos_k, sin_k}² holds the largest share of its energy.
     */
    public static int[] neuronFrequencies(NDArray hidden, NDArray basis) {
        int p = (int) basis.getShape().get(0);
        return neuronBlocks(hidden, basis, Fourier.indicator(p, hidden.getManager(), hidden.getDataType(), true));
    }

    /**
     * Each neuron's block (1-based), or 0 where no block holds more than {@link #CLEAN_SHARE} of its
     * energy: hidden [n², M] over an n-element domain, pairs in a-major order; basis [n, n]
     * orthonormal; blocks [nb, n] marks the basis rows of each block. The activations are centred
     * over inputs and transformed in a and in b; a block's energy is that on its rows × its rows.
     */
    public static int[] neuronBlocks(NDArray hidden, NDArray basis, NDArray blocks) {
        int p = (int) basis.getShape().get(0);
        long m = hidden.getShape().get(1);
        NDArray h = hidden.sub(hidden.mean(new int[] {0})).reshape(p, p * m); // [p_a, p_b·M] centred
        NDArray overA = basis.matMul(h).reshape(p, p, m).transpose(1, 0, 2).reshape(p, p * m); // [p_b, i·M]
        NDArray energy = basis.matMul(overA).square(); // [j, i·M] squared 2D coefficients
        NDArray g = blocks; // [nb, p]
        NDArray rowsInBlock = g.matMul(energy).reshape(-1, p, m); // [nb, i, M] summed over j ∈ block
        NDArray block = rowsInBlock.mul(g.expandDims(2)).sum(new int[] {1}); // [nb, M] summed over i ∈ block
        NDArray total = energy.reshape(p * p, m).sum(new int[] {0}); // [M]
        float[] share = block.div(total).toType(DataType.FLOAT32, false).toFloatArray();
        int n = (int) blocks.getShape().get(0);
        int[] freq = new int[(int) m];
        for (int neuron = 0; neuron < m; neuron++) {
            int best = 0;
            for (int k = 1; k < n; k++) {
                if (share[k * (int) m + neuron] > share[best * (int) m + neuron]) {
                    best = k;
                }
            }
            float s = share[best * (int) m + neuron];
            freq[neuron] = s > CLEAN_SHARE ? best + 1 : 0; // NaN (a dead neuron) is never clean
        }
        return freq;
    }

    /** Clean neurons per frequency: [⌊p/2⌋], k at index k − 1. */
    public static int[] clusterSizes(int[] neuronFreq, int frequencies) {
        int[] sizes = new int[frequencies];
        for (int k : neuronFreq) {
            if (k > 0) {
                sizes[k - 1]++;
            }
        }
        return sizes;
    }

    /** The k with at least {@code minNeurons} clean neurons, ascending. */
    public static int[] keyFrequencies(int[] clusterSizes, int minNeurons) {
        return IntStream.range(0, clusterSizes.length)
                .filter(i -> clusterSizes[i] >= minNeurons)
                .map(i -> i + 1)
                .toArray();
    }

    /** The k whose norm is at least half the largest, ascending. */
    public static int[] halfOfLargest(double[] norms) {
        double max = Arrays.stream(norms).max().orElse(0);
        return IntStream.range(0, norms.length)
                .filter(i -> max > 0 && norms[i] >= max / 2)
                .map(i -> i + 1)
                .toArray();
    }

    /**
     * The part of logits [n², V] (i-major grid over a group of order n) that lies in the span of
     * cos(w_k(i ± j)) and sin(w_k(i ± j)) for the given k (sign −1: i − j), per output class:
     * U·Uᵀ·logits with U orthonormal.
     */
    public static NDArray keyProjection(NDArray logits, int p, int[] keys, int sign) {
        List<double[]> directions = new ArrayList<>();
        for (int k : keys) {
            double w = 2 * Math.PI * k / p;
            directions.add(unit(p, ab -> Math.cos(w * (ab / p + sign * (ab % p)))));
            if (2 * k != p) { // sin(π(i ± j)) vanishes on the grid for even n
                directions.add(unit(p, ab -> Math.sin(w * (ab / p + sign * (ab % p)))));
            }
        }
        if (directions.isEmpty()) {
            return logits.zerosLike();
        }
        double[] flat = new double[p * p * directions.size()];
        for (int d = 0; d < directions.size(); d++) {
            for (int ab = 0; ab < p * p; ab++) {
                flat[ab * directions.size() + d] = directions.get(d)[ab];
            }
        }
        NDArray u = logits.getManager().create(flat, new Shape(p * p, directions.size())); // [p², 2|K|]
        return u.matMul(u.transpose().matMul(logits)); // [p², V]
    }

    /** G = Σ_i (2i − N − 1)·c_(i) / (N·Σc) over ascending c: 0 when flat, → 1 when one entry holds all. */
    public static double gini(double[] values) {
        double[] c = values.clone();
        Arrays.sort(c);
        int n = c.length;
        double sum = Arrays.stream(c).sum();
        if (n == 0 || sum == 0) {
            return 0;
        }
        double acc = 0;
        for (int i = 1; i <= n; i++) {
            acc += (2.0 * i - n - 1) * c[i - 1];
        }
        return acc / (n * sum);
    }

    /** The run's rows of one of {@link Tables#MEASURES} at {@code step}. */
    public List<Row> rows(groksweep.results.Table table, String runId, int step) {
        if (table == Tables.SPECTRA) {
            return spectraRows(runId, step);
        }
        if (table == Tables.IRREPS) {
            return irreps == null ? List.of() : irreps.rows(runId, step);
        }
        throw new IllegalArgumentException("not a table of progress measures: " + table.name());
    }

    /** Spectra rows for the run: (step, source, k, value). */
    public List<Row> spectraRows(String runId, int step) {
        List<Row> rows = new ArrayList<>();
        for (int k = 1; k <= embedNorms.length; k++) {
            rows.add(spectrum(runId, step, "embed", k, embedNorms[k - 1]));
            rows.add(spectrum(runId, step, "wl", k, wlNorms[k - 1]));
            rows.add(spectrum(runId, step, "neurons", k, (double) clusterSizes[k - 1]));
        }
        return rows;
    }

    private static Row spectrum(String runId, int step, String source, int k, double value) {
        return Tables.SPECTRA.row().set("run_id", runId).set("step", step).set("source", source).set("k", k)
                .set("value", value);
    }

    private static double[] unit(int p, java.util.function.IntToDoubleFunction f) {
        double[] v = new double[p * p];
        double norm = 0;
        for (int ab = 0; ab < v.length; ab++) {
            v[ab] = f.applyAsDouble(ab);
            norm += v[ab] * v[ab];
        }
        norm = Math.sqrt(norm);
        for (int ab = 0; ab < v.length; ab++) {
            v[ab] /= norm;
        }
        return v;
    }
}
