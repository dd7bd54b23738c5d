package groksweep.measures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import groksweep.groups.CharacterTable;
import groksweep.groups.FiniteGroup;
import groksweep.worker.Torch;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

/** The irrep measures on hand-made inputs, and their agreement with the Fourier measures on C_n. */
class IrrepsTest {
    @BeforeAll
    static void engine() {
        Torch.engine();
    }

    /** On C_n the projection onto the key irreps is the key-frequency projection, for odd and even n. */
    @Test
    void onCyclicGroupsTheProjectionIsTheKeyFrequencyProjection() {
        for (int n : new int[] {23, 12}) {
            CharacterTable table = CharacterTable.of(FiniteGroup.of("C" + n));
            Random rng = new Random(n);
            double[] l = new double[n * n * (n + 1)];
            for (int i = 0; i < l.length; i++) {
                l[i] = rng.nextGaussian();
            }
            int[] keys = n == 23 ? new int[] {2, 5, 11} : new int[] {1, 6};
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray logits = m.create(l, new Shape(n * n, n + 1)); // [n², V] float64
                double[] fourier = ProgressMeasures.keyProjection(logits, n, keys, 1).toDoubleArray();
                double[] irreps = Irreps.projection(table, logits, keys).toDoubleArray();
                assertArrayEquals(fourier, irreps, 1e-12, "C" + n);
            }
        }
    }

    /**
     * Neurons that read cos(2πk(x+y)/n + φ) are clean neurons of frequency k through Fourier's basis
     * and of irrep k through C_n's adapted basis; on S4 a neuron that is a function of x·y in one
     * irrep is that irrep's.
     */
    @Test
    void cleanNeuronsAreTheSameInBothBases() {
        int n = 23;
        int neurons = 30;
        Random rng = new Random(3);
        double[] h = new double[n * n * neurons];
        int[] planted = new int[neurons];
        for (int j = 0; j < neurons; j++) {
            planted[j] = 1 + j % 11;
            double phase = rng.nextDouble() * 2 * Math.PI;
            for (int ab = 0; ab < n * n; ab++) {
                h[ab * neurons + j] = Math.cos(2 * Math.PI * planted[j] * (ab / n + ab % n) / n + phase)
                        + 0.05 * rng.nextGaussian();
            }
        }
        CharacterTable table = CharacterTable.of(FiniteGroup.of("C" + n));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray hidden = m.create(h, new Shape(n * n, neurons));
            int[] fourier = ProgressMeasures.neuronFrequencies(hidden, Fourier.basis(n, m, DataType.FLOAT64));
            int[] irreps = ProgressMeasures.neuronBlocks(hidden, Irreps.basis(table, m),
                    Irreps.indicator(table, m, true).get("1:"));
            assertArrayEquals(planted, fourier);
            assertArrayEquals(planted, irreps);
        }

        CharacterTable s4 = CharacterTable.of(FiniteGroup.of("S4"));
        int order = 24;
        double[][] basis = s4.basis().rows();
        double[] f = new double[order * order];
        int row = firstRowOf(s4, 3); // a row of the first 3-dimensional irrep
        for (int xy = 0; xy < order * order; xy++) {
            f[xy] = basis[row][s4.group().multiply(xy / order, xy % order)];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            int[] block = ProgressMeasures.neuronBlocks(m.create(f, new Shape(order * order, 1)), Irreps.basis(s4, m),
                    Irreps.indicator(s4, m, true).get("1:"));
            assertArrayEquals(new int[] {3}, block, "irrep 3 of " + s4.irreps().stream().map(CharacterTable.Irrep::name).toList());
        }
    }

    /** Logits equal to ψ_ρ(x·y·z⁻¹) have similarity 1 with ρ and 0 with every other irrep (characters are orthogonal). */
    @Test
    void logitsThatAreACharacterAreSimilarToItAlone() {
        for (String name : new String[] {"S4", "D5", "A4"}) {
            CharacterTable t = CharacterTable.of(FiniteGroup.of(name));
            FiniteGroup g = t.group();
            int n = g.order();
            for (int r = 1; r < t.irreps().size(); r++) {
                CharacterTable.Irrep rho = t.irreps().get(r);
                double[] l = new double[n * n * n];
                for (int xy = 0; xy < n * n; xy++) {
                    int product = g.multiply(xy / n, xy % n);
                    for (int z = 0; z < n; z++) {
                        l[xy * n + z] = 3 * t.character(rho, g.multiply(product, g.inverses()[z])) + 0.7;
                    }
                }
                try (NDManager m = NDManager.newBaseManager()) {
                    double[] sim = Irreps.logitSimilarity(t, m.create(l, new Shape(n * n, n)));
                    for (int s = 0; s < sim.length; s++) {
                        assertEquals(s == r ? 1 : 0, sim[s], 1e-9, name + " " + rho.name() + " against irrep " + s);
                    }
                }
            }
        }
    }

    /** Logits that are a function of x·y in the kept irreps are kept whole; those in other irreps vanish. */
    @Test
    void theProjectionKeepsFunctionsOfTheProductInTheKeyIrreps() {
        CharacterTable t = CharacterTable.of(FiniteGroup.of("S4"));
        int n = 24;
        double[][] basis = t.basis().rows();
        int in = firstRowOf(t, 2);
        int out = firstRowOf(t, 4);
        double[] kept = new double[n * n * 2];
        double[] mixed = new double[n * n * 2];
        for (int xy = 0; xy < n * n; xy++) {
            int g = t.group().multiply(xy / n, xy % n);
            for (int c = 0; c < 2; c++) {
                kept[xy * 2 + c] = (c + 1) * basis[in][g];
                mixed[xy * 2 + c] = kept[xy * 2 + c] + basis[out][g];
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray projected = Irreps.projection(t, m.create(mixed, new Shape(n * n, 2)), new int[] {2});
            assertArrayEquals(kept, projected.toDoubleArray(), 1e-12);
        }
    }

    private static int firstRowOf(CharacterTable t, int irrep) {
        int[] of = t.basis().irrepOf();
        for (int i = 0; i < of.length; i++) {
            if (of[i] == irrep) {
                return i;
            }
        }
        throw new AssertionError("no row of irrep " + irrep);
    }
}
