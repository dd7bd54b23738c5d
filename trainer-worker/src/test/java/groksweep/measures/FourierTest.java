package groksweep.measures;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
