package groksweep.measures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import groksweep.worker.Torch;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FourierTest {

    @ParameterizedTest
    @ValueSource(ints = {7, 11, 23})
    void basisIsOrthonormalAndIncludesTheHighestFrequency(int p) {
        double[][] f = Fourier.basis(p);
        assertEquals(p, f.length);
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                double dot = 0;
                for (int x = 0; x < p; x++) {
                    dot += f[i][x] * f[j][x];
                }
                assertEquals(i == j ? 1.0 : 0.0, dot, 1e-12, "rows " + i + ", " + j);
            }
        }
        int top = p / 2; // the trap: k = ⌊p/2⌋ must be there
        assertEquals(p - 2, Fourier.cosRow(top));
        for (int x = 0; x < p; x++) {
            double norm = Math.sqrt(2.0 / p);
            assertEquals(norm * Math.cos(2 * Math.PI * top * x / p), f[Fourier.cosRow(top)][x], 1e-12);
            assertEquals(norm * Math.sin(2 * Math.PI * top * x / p), f[Fourier.sinRow(p, top)][x], 1e-12);
        }
    }

    /**
     * Doshi et al.'s IPR (r = 2) of |rfft| by hand: one frequency gives 1; a spike at t = 0 has a
     * flat spectrum, 1/(⌊n/2⌋ + 1); cos(ωt) + ½cos(3ωt) has F_1 = n/2 and F_3 = n/4, so
     * (1 + 1/16)/(1 + 1/4)² = 0.68; 1 + cos(ωt) has F_0 = n and F_1 = n/2: 0.68 too (the
     * constant counts, as in rfft); (−1)^t for even n is the single frequency n/2.
     */
    @ParameterizedTest
    @ValueSource(ints = {7, 12, 23})
    void inverseParticipationRatioOfHandSpectra(int n) {
        double[] columns = new double[n * 5];
        for (int t = 0; t < n; t++) {
            double w = 2 * Math.PI * t / n;
            double[] row = {Math.cos(2 * w), t == 0 ? 1 : 0, Math.cos(w) + 0.5 * Math.cos(3 * w), 1 + Math.cos(w),
                    n % 2 == 0 ? Math.cos(Math.PI * t) : Math.sin(w)};
            System.arraycopy(row, 0, columns, t * 5, 5);
        }
        Torch.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            double[] ipr = Fourier.ipr(m.create(columns, new Shape(n, 5))).toDoubleArray();
            assertArrayEquals(new double[] {1, 1.0 / (n / 2 + 1), 0.68, 0.68, 1}, ipr, 1e-12);
        }
    }
}
