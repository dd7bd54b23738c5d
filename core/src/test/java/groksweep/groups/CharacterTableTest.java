package groksweep.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

class CharacterTableTest {
    static final double EPS = 1e-9;

    /** Σ d² = |G| over the complex irreps, as many irreps as classes, and the characters orthonormal. */
    @ParameterizedTest
    @ValueSource(strings = {"C7", "C12", "D5", "D6", "D59", "S3", "S4", "S5", "S6", "A4", "A5", "A6"})
    void theTableIsComplete(String name) {
        CharacterTable t = CharacterTable.of(FiniteGroup.of(name));
        int n = t.group().order();
        assertEquals(n, t.irreps().stream().mapToInt(r -> r.multiplicity() * r.dimension() * r.dimension()).sum());
        assertEquals(t.classes().size(), t.irreps().stream().mapToInt(CharacterTable.Irrep::multiplicity).sum());
        for (CharacterTable.Irrep a : t.irreps()) {
            assertEquals(a.multiplicity() * a.dimension(), t.character(a, 0), EPS, a.name() + " at e");
            for (CharacterTable.Irrep b : t.irreps()) {
                double inner = 0;
                for (int g = 0; g < n; g++) {
                    inner += t.character(a, g) * t.character(b, g) / n;
                }
                assertEquals(a == b ? a.multiplicity() : 0, inner, EPS, a.name() + "·" + b.name());
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"S3,1 1 2", "S4,1 1 2 3 3", "S5,1 1 4 4 5 5 6", "S6,1 1 5 5 5 5 9 9 10 10 16", "A4,1 1 3", "A5,1 3 3 4 5",
            "D5,1 1 2 2", "D6,1 1 1 1 2 2"})
    void dimensionsAreTheKnownOnes(String name, String dims) {
        CharacterTable t = CharacterTable.of(FiniteGroup.of(name));
        assertEquals(dims, String.join(" ", t.irreps().stream().map(r -> String.valueOf(r.dimension())).toList()));
        assertEquals(name.equals("A4") ? List.of("1b") : List.of(),
                t.irreps().stream().filter(CharacterTable.Irrep::pair).map(CharacterTable.Irrep::name).toList(),
                "only A4's ω-characters are complex");
    }

    /** A5's two 3-dimensional irreps take the golden ratio (1 ± √5)/2 on the 5-cycles. */
    @Test
    void a5sCharactersAreTheGoldenRatio() {
        CharacterTable t = CharacterTable.of(FiniteGroup.of("A5"));
        int fiveCycle = -1;
        for (int[] c : t.classes()) {
            if (c.length == 12 && fiveCycle < 0) {
                fiveCycle = c[0];
            }
        }
        double phi = (1 + Math.sqrt(5)) / 2;
        double a = t.character(t.irreps().get(1), fiveCycle);
        double b = t.character(t.irreps().get(2), fiveCycle);
        assertEquals(phi, Math.max(a, b), EPS);
        assertEquals(1 - phi, Math.min(a, b), EPS);
    }

    /** The numerical method agrees with the closed form on cyclic groups: today's Fourier frequencies. */
    @ParameterizedTest
    @ValueSource(ints = {7, 12, 23})
    void onCyclicGroupsTheIrrepsAreTheFourierFrequencies(int n) {
        FiniteGroup g = FiniteGroup.of("C" + n);
        CharacterTable closed = CharacterTable.of(g);
        assertEquals(n / 2 + 1, closed.irreps().size());
        for (int k = 0; k <= n / 2; k++) {
            CharacterTable.Irrep rho = closed.irreps().get(k);
            assertEquals("k" + k, rho.name());
            for (int x = 0; x < n; x++) {
                double expected = (k == 0 || 2 * k == n ? 1 : 2) * Math.cos(2 * Math.PI * k * x / n);
                assertEquals(expected, closed.character(rho, x), EPS);
            }
        }
        List<int[]> classes = g.classes();
        int[] classOf = new int[n];
        for (int c = 0; c < n; c++) {
            classOf[classes.get(c)[0]] = c;
        }
        List<CharacterTable.Irrep> numeric = CharacterTable.numeric(g, classes, classOf);
        assertEquals(closed.irreps().size(), numeric.size());
        for (CharacterTable.Irrep rho : closed.irreps()) {
            assertTrue(numeric.stream().anyMatch(o -> o.pair() == rho.pair() && maxDiff(o.character(), rho.character()) < EPS),
                    rho.name() + " found numerically");
        }
    }

    /** Each projector is symmetric and idempotent, of trace d² (2d² for a pair); they are orthogonal and sum to the identity. */
    @ParameterizedTest
    @ValueSource(strings = {"C9", "D5", "S4", "A4"})
    void projectorsSplitTheFunctionsOnG(String name) {
        CharacterTable t = CharacterTable.of(FiniteGroup.of(name));
        int n = t.group().order();
        double[][] sum = new double[n][n];
        for (CharacterTable.Irrep a : t.irreps()) {
            double[][] p = t.projector(a);
            double trace = 0;
            for (int x = 0; x < n; x++) {
                trace += p[x][x];
                for (int y = 0; y < n; y++) {
                    sum[x][y] += p[x][y];
                    assertEquals(p[x][y], p[y][x], EPS, "symmetric");
                }
            }
            assertEquals(a.isotypicDimension(), trace, EPS, a.name());
            for (CharacterTable.Irrep b : t.irreps()) {
                double[][] q = t.projector(b);
                double[][] pq = times(p, q);
                for (int x = 0; x < n; x++) {
                    for (int y = 0; y < n; y++) {
                        assertEquals(a == b ? p[x][y] : 0, pq[x][y], EPS, a.name() + "·" + b.name());
                    }
                }
            }
        }
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                assertEquals(x == y ? 1 : 0, sum[x][y], EPS);
            }
        }
    }

    /** Faithful irreps: S4's two of dimension 3 (its 2-dim one factors through S3), every non-trivial one of A5, C12's k1 and k5. */
    @ParameterizedTest
    @CsvSource({"S4, 00011", "A5, 01111", "C12, 0100010", "D5, 0011"})
    void faithfulIrrepsAreTheOnesWithATrivialKernel(String name, String expected) {
        CharacterTable t = CharacterTable.of(FiniteGroup.of(name));
        StringBuilder got = new StringBuilder();
        t.irreps().forEach(rho -> got.append(t.faithful(rho) ? '1' : '0'));
        assertEquals(expected, got.toString(), t.irreps().stream().map(CharacterTable.Irrep::name).toList().toString());
    }

    /** The adapted basis is orthonormal, and each row lies in its irrep's component (P_ρ b = b), dimension d² rows each. */
    @ParameterizedTest
    @ValueSource(strings = {"C10", "D6", "S4", "A4", "A5"})
    void theBasisIsOrthonormalAndFollowsTheIrreps(String name) {
        CharacterTable t = CharacterTable.of(FiniteGroup.of(name));
        int n = t.group().order();
        CharacterTable.Basis basis = t.basis();
        double[][] b = basis.rows();
        assertEquals(n, b.length);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int x = 0; x < n; x++) {
                    dot += b[i][x] * b[j][x];
                }
                assertEquals(i == j ? 1 : 0, dot, EPS, i + "·" + j);
            }
        }
        for (int r = 0; r < t.irreps().size(); r++) {
            CharacterTable.Irrep rho = t.irreps().get(r);
            double[][] p = t.projector(rho);
            int rows = 0;
            for (int i = 0; i < n; i++) {
                if (basis.irrepOf()[i] != r) {
                    continue;
                }
                rows++;
                for (int x = 0; x < n; x++) {
                    double px = 0;
                    for (int y = 0; y < n; y++) {
                        px += p[x][y] * b[i][y];
                    }
                    assertEquals(b[i][x], px, EPS, rho.name());
                }
            }
            assertEquals(rho.isotypicDimension(), rows, rho.name());
        }
    }

    /** On C_n, an embedding cos(2πk·x/n + φ) lies wholly in irrep k: the shares are today's frequencies. */
    @Test
    void isotypicSharesOfAFourierEmbeddingAreItsFrequencies() {
        int n = 11;
        CharacterTable t = CharacterTable.of(FiniteGroup.of("C" + n));
        double[][] e = new double[n][2];
        for (int x = 0; x < n; x++) {
            e[x][0] = Math.cos(2 * Math.PI * 3 * x / n + 0.4); // frequency 3, energy n/2
            e[x][1] = 2 * Math.sin(2 * Math.PI * 5 * x / n); // frequency 5, energy 4n/2
        }
        double[] shares = t.isotypicShares(e);
        assertEquals(0.2, shares[3], EPS);
        assertEquals(0.8, shares[5], EPS);
        assertEquals(1.0, java.util.Arrays.stream(shares).sum(), EPS);
    }

    /** The shares from class sums equal ‖P_ρ f‖² / ‖f‖² computed with the projectors themselves. */
    @ParameterizedTest
    @ValueSource(strings = {"S4", "D6", "A5"})
    void isotypicSharesAreTheProjectorsEnergies(String name) {
        CharacterTable t = CharacterTable.of(FiniteGroup.of(name));
        int n = t.group().order();
        java.util.Random random = new java.util.Random(7);
        double[][] f = new double[n][3];
        double total = 0;
        for (double[] row : f) {
            for (int c = 0; c < 3; c++) {
                row[c] = random.nextGaussian();
                total += row[c] * row[c];
            }
        }
        double[] shares = t.isotypicShares(f);
        for (int i = 0; i < t.irreps().size(); i++) {
            double[][] p = t.projector(t.irreps().get(i));
            double energy = 0;
            for (int x = 0; x < n; x++) {
                for (int c = 0; c < 3; c++) {
                    double projected = 0;
                    for (int y = 0; y < n; y++) {
                        projected += p[x][y] * f[y][c];
                    }
                    energy += projected * projected;
                }
            }
            assertEquals(energy / total, shares[i], EPS, t.irreps().get(i).name());
        }
    }

    private static double[][] times(double[][] a, double[][] b) {
        int n = a.length;
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < n; j++) {
                    out[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return out;
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
