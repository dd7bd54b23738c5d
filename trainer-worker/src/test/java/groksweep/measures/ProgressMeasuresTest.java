package groksweep.measures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import groksweep.config.Operation;
import groksweep.model.Model;
import groksweep.worker.Torch;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

class ProgressMeasuresTest {
    static final int P = 23;

    @BeforeAll
    static void engine() {
        Torch.engine();
    }

    /** Neurons that read cos(2πk(a+b)/p + φ) for k ∈ {3, 7}, plus noise, make 3 and 7 key. */
    @Test
    void syntheticNeuronsRevealTheirFrequencies() {
        int neurons = 40;
        Random rng = new Random(1);
        double[] h = new double[P * P * neurons];
        for (int n = 0; n < neurons; n++) {
            int k = n < 20 ? 3 : 7;
            double phase = rng.nextDouble() * 2 * Math.PI;
            for (int a = 0; a < P; a++) {
                for (int b = 0; b < P; b++) {
                    h[(a * P + b) * neurons + n] = Math.cos(2 * Math.PI * k * (a + b) / P + phase)
                            + 0.05 * rng.nextGaussian() + 0.3;
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray hidden = m.create(h, new Shape(P * P, neurons)).toType(DataType.FLOAT32, false);
            int[] freq = ProgressMeasures.neuronFrequencies(hidden, Fourier.basis(P, m, DataType.FLOAT32));
            int[] sizes = ProgressMeasures.clusterSizes(freq, P / 2);
            assertEquals(20, sizes[2]);
            assertEquals(20, sizes[6]);
            assertArrayEquals(new int[] {3, 7}, ProgressMeasures.keyFrequencies(sizes, 5));
        }
    }

    @Test
    void giniIsNearOneForOneFrequencyAndZeroWhenFlat() {
        double[] one = new double[P / 2];
        one[4] = 3.0; // all energy at k = 5
        double[] flat = new double[P / 2];
        java.util.Arrays.fill(flat, 2.0);
        assertEquals(1 - 1.0 / (P / 2), ProgressMeasures.gini(one), 1e-12); // (N−1)/N: the most unequal
        assertEquals(0.0, ProgressMeasures.gini(flat), 1e-12);
        assertEquals(0.25, ProgressMeasures.gini(new double[] {1, 3}), 1e-12); // (−1·1 + 1·3) / (2·4)
    }

    @Test
    void embeddingNormsFindTheFrequencyTheyAreBuiltFrom() {
        try (NDManager m = NDManager.newBaseManager()) {
            double[] e = new double[P * 4]; // [p, 4]: two columns on cos_5, one on sin_5, one zero
            for (int x = 0; x < P; x++) {
                e[x * 4] = Math.cos(2 * Math.PI * 5 * x / P);
                e[x * 4 + 1] = 2 * Math.cos(2 * Math.PI * 5 * x / P);
                e[x * 4 + 2] = Math.sin(2 * Math.PI * 5 * x / P);
            }
            NDArray basis = Fourier.basis(P, m, DataType.FLOAT64);
            double[] norms = Fourier.frequencyNorms(basis, m.create(e, new Shape(P, 4))).toDoubleArray();
            assertEquals(Math.sqrt(6 * P / 2.0), norms[4], 1e-9); // (1 + 4 + 1)·p/2 of energy
            assertEquals(0.0, IntStream.range(0, norms.length).filter(i -> i != 4).mapToDouble(i -> norms[i]).sum(), 1e-9);
            assertArrayEquals(new int[] {5}, ProgressMeasures.halfOfLargest(norms));
        }
    }

    /**
     * Logits built only from cos(w_k(a+b−c)) for k ∈ K: projecting onto K's directions keeps
     * everything, so the restricted loss is the full loss; removing them leaves a constant, so
     * the excluded loss is log p.
     */
    @Test
    void restrictedAndExcludedLossOnLogitsMadeOfKeyFrequencies() {
        int[] keys = {2, 9};
        int v = P + 1;
        double[] logits = new double[P * P * v];
        long[] labels = new long[P * P];
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) {
                labels[a * P + b] = (a + b) % P;
                for (int c = 0; c < v; c++) {
                    double z = 0;
                    for (int k : keys) {
                        z += 4 * Math.cos(2 * Math.PI * k * (a + b - c) / P);
                    }
                    logits[(a * P + b) * v + c] = z;
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray l = m.create(logits, new Shape(P * P, v));
            NDArray y = m.create(labels);
            NDArray train = m.create(IntStream.range(0, P * P).filter(i -> i % 3 == 0).asLongStream().toArray());
            NDArray proj = ProgressMeasures.keyProjection(l, P, keys, 1);
            double full = Model.crossEntropy(l, y).getDouble();
            double restricted = Model.crossEntropy(proj.add(l.mean(new int[] {0})), y).getDouble();
            double excluded = Model.crossEntropy(l.sub(proj).get(train), y.get(train)).getDouble();
            assertEquals(full, restricted, 1e-9);
            assertEquals(Math.log(v), excluded, 1e-9); // flat over the p + 1 classes
            assertTrue(full < 0.5, "the logits do solve the task: " + full);
        }
    }

    /**
     * Neurons reading cos(2πk(log a + log b)/(p − 1)) for k ∈ {2, 5} (0 where a or b is 0): in
     * discrete-log coordinates over Z_22 they are clean at 2 and 5; in Z_23's own coordinates they
     * are noise, so the group matters.
     */
    @Test
    void multiplicativeNeuronsRevealTheirFrequenciesInLogCoordinates() {
        int neurons = 20;
        int[] log = CyclicGroup.of(P).log();
        Random rng = new Random(2);
        double[] h = new double[P * P * neurons];
        for (int n = 0; n < neurons; n++) {
            int k = n < 10 ? 2 : 5;
            double phase = rng.nextDouble() * 2 * Math.PI;
            for (int a = 1; a < P; a++) {
                for (int b = 1; b < P; b++) {
                    h[(a * P + b) * neurons + n] = Math.cos(2 * Math.PI * k * (log[a] + log[b]) / (P - 1) + phase);
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray hidden = m.create(h, new Shape(P * P, neurons));
            NDArray grid = m.create(Arrays.stream(ProgressMeasures.gridPairs(Operation.MUL, P)).asLongStream().toArray());
            int[] freq = ProgressMeasures.neuronFrequencies(hidden.get(grid), Fourier.basis(P - 1, m, DataType.FLOAT64));
            int[] sizes = ProgressMeasures.clusterSizes(freq, (P - 1) / 2);
            assertArrayEquals(new int[] {2, 5}, ProgressMeasures.keyFrequencies(sizes, 5));
            int[] additive = ProgressMeasures.neuronFrequencies(hidden, Fourier.basis(P, m, DataType.FLOAT64));
            assertEquals(0, ProgressMeasures.keyFrequencies(ProgressMeasures.clusterSizes(additive, P / 2), 5).length);
        }
    }

    /**
     * Logits built from cos(w_k(x − y − c)) in each group's coordinates, for sub (x = a over Z_p)
     * and div (x = log a over Z_(p−1), c = log of the class): the difference projection (sign −1)
     * keeps all of them, the sum projection almost none.
     */
    @Test
    void differenceProjectionsForSubAndDiv() {
        for (Operation op : new Operation[] {Operation.SUB, Operation.DIV}) {
            int n = op == Operation.SUB ? P : P - 1;
            int[] e = ProgressMeasures.elements(op, P);
            int[] coordinateOf = new int[P]; // class (token) → its coordinate; 0 for class 0 of div
            for (int i = 0; i < n; i++) {
                coordinateOf[e[i]] = i;
            }
            int[] keys = {3};
            int v = P + 1;
            double[] logits = new double[n * n * v];
            long[] labels = new long[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    labels[i * n + j] = op.apply(e[i], e[j], P);
                    for (int c = 0; c < P; c++) {
                        if (op == Operation.DIV && c == 0) {
                            continue; // never an answer: a constant column
                        }
                        logits[(i * n + j) * v + c] = 6 * Math.cos(2 * Math.PI * 3 * (i - j - coordinateOf[c]) / n);
                    }
                }
            }
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray l = m.create(logits, new Shape(n * n, v));
                NDArray y = m.create(labels);
                double full = Model.crossEntropy(l, y).getDouble();
                NDArray diff = ProgressMeasures.keyProjection(l, n, keys, -1);
                NDArray sum = ProgressMeasures.keyProjection(l, n, keys, 1);
                assertEquals(full, Model.crossEntropy(diff.add(l.mean(new int[] {0})), y).getDouble(), 1e-9, op.key);
                assertEquals(n * n, Model.correct(l, y), op.key + ": the logits compute the operation");
                assertEquals(0.0, sum.abs().max().getDouble(), 1e-9, op.key + ": orthogonal to the sum directions");
            }
        }
    }

    /**
     * Distance irrelevance by hand: a correct logit that depends on a − b alone (the pizza's
     * |cos(w(a − b)/2)|) gives 0; one that ignores a − b (a function of a + b) gives exactly 1.
     */
    @Test
    void distanceIrrelevanceSeparatesPizzaFromClock() {
        double[] pizza = new double[P * P];
        double[] clock = new double[P * P];
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) {
                pizza[a * P + b] = Math.abs(Math.cos(Math.PI * 3 * (a - b) / P));
                clock[a * P + b] = Math.sin(2 * Math.PI * (a + b) / P) + 0.1 * ((a + b) % P);
            }
        }
        assertEquals(0.0, ProgressMeasures.distanceIrrelevance(pizza, P), 1e-12);
        assertEquals(1.0, ProgressMeasures.distanceIrrelevance(clock, P), 1e-12);
    }

    /** A neuron weight decay has erased (a zero W_L column) has no spectrum: the mean IPR is over the others, null without any. */
    @Test
    void erasedNeuronsAreLeftOutOfTheMeanIpr() {
        try (NDManager m = NDManager.newBaseManager()) {
            double[] w = new double[P * 2];
            for (int t = 0; t < P; t++) {
                w[t * 2] = Math.cos(2 * Math.PI * 3 * t / P); // column 0: one frequency; column 1: zero
            }
            assertEquals(1.0, ProgressMeasures.meanIpr(m.create(w, new Shape(P, 2))), 1e-12);
            assertNull(ProgressMeasures.meanIpr(m.zeros(new Shape(P, 2),
                    DataType.FLOAT64)));
        }
    }
}
