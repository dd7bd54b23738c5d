package groksweep.groups;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A finite group's irreducible representations over the reals, by their characters, which is all
 * the representation-theory progress measures need: the isotypic projector of ρ on functions on G
 * is (d_ρ/|G|)·Σ_g χ_ρ(g⁻¹)·R(g).
 *
 * <p>Each real irrep is either a complex irrep with a real character (d its dimension, ψ = χ) or
 * a complex-conjugate pair χ, χ̄ joined (d the dimension of χ, ψ = χ + χ̄ = 2 Re χ): so for C_n
 * the irreps are the trivial one and the frequencies k = 1 .. ⌊n/2⌋ with ψ_k(x) = 2 cos(2πkx/n)
 * (k = n/2 has ψ = (−1)^x), exactly today's Fourier frequencies of Z_n.
 *
 * <p>Found numerically for any group, from its class algebra: multiplication by a class sum maps
 * class functions to class functions, with every irreducible character an eigenvector (Burnside).
 * A fixed generic combination of the self-adjoint operators T_C + T_C⁻¹ is diagonalised; each
 * eigenspace is one real irrep (a pair spans two dimensions: Re χ, even under g ↦ g⁻¹, and Im χ,
 * odd). Cyclic groups take the closed form above.
 *
 * @param classOf the conjugacy class of each element ({@link FiniteGroup#classes()} order)
 * @param irreps in order: by dimension, real before pairs, then by character values
 */
public record CharacterTable(FiniteGroup group, List<int[]> classes, int[] classOf, List<Irrep> irreps) {

    /**
     * One real irrep: {@code dimension} is d, that of the complex irrep χ; {@code pair} when it joins
     * χ and χ̄; {@code character} holds ψ per conjugacy class.
     */
    public record Irrep(String name, int dimension, boolean pair, double[] character) {
        /** The number of complex irreps it stands for: 1, or 2 for a pair. */
        public int multiplicity() {
            return pair ? 2 : 1;
        }

        /** The dimension of its isotypic component in the functions on G: d², or 2d² for a pair. */
        public int isotypicDimension() {
            return multiplicity() * dimension * dimension;
        }
    }

    /** ψ_ρ(g) for element g. */
    public double character(Irrep rho, int g) {
        return rho.character()[classOf[g]];
    }

    /**
     * Whether ρ is faithful: only the identity acts as the identity, i.e. ψ_ρ(g) = ψ_ρ(e) for g = e
     * alone (for a pair, Re χ(g) = d only where χ(g) = d). Only a faithful irrep can carry the whole
     * composition by itself; S_n's sign, say, cannot.
     */
    public boolean faithful(Irrep rho) {
        double atIdentity = character(rho, 0); // element 0 is the identity
        int fixed = 0;
        for (int g = 0; g < group.order(); g++) {
            fixed += Math.abs(character(rho, g) - atIdentity) < 1e-9 ? 1 : 0;
        }
        return fixed == 1;
    }

    /**
     * The orthogonal projector onto ρ's isotypic component of the functions on G: P[x][y] =
     * (d_ρ/|G|)·ψ_ρ(x·y⁻¹). It is central, so left and right translations commute with it; the
     * projectors of all irreps sum to the identity, and for C_n that of k projects onto
     * cos/sin(2πk·x/n).
     */
    public double[][] projector(Irrep rho) {
        int n = group.order();
        int[] inverse = group.inverses();
        double[][] p = new double[n][n];
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                p[x][y] = rho.dimension() * character(rho, group.multiply(x, inverse[y])) / n;
            }
        }
        return p;
    }

    /**
     * The share of {@code f}'s energy in each irrep's isotypic component, in {@link #irreps} order
     * (summing to 1): f has a row per group element (an embedding [|G|, D], say) and is projected
     * along that index. Chughtai et al.'s per-irrep measure of how much of a layer a representation
     * explains. Since P_ρ is a symmetric idempotent, ‖P_ρ f‖² = ⟨f, P_ρ f⟩ = (d_ρ/|G|)·Σ_C ψ_ρ(C)·S_C
     * with S_C the sum of ⟨f(x), f(y)⟩ over x·y⁻¹ ∈ C: one Gram matrix for all irreps, O(|G|²·D).
     */
    public double[] isotypicShares(double[][] f) {
        int n = f.length;
        int[] inverse = group.inverses();
        double[] byClass = new double[classes.size()]; // S_C
        double total = 0;
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                double dot = 0;
                for (int c = 0; c < f[x].length; c++) {
                    dot += f[x][c] * f[y][c];
                }
                byClass[classOf[group.multiply(x, inverse[y])]] += dot;
                if (x == y) {
                    total += dot;
                }
            }
        }
        double[] shares = new double[irreps.size()];
        for (int i = 0; i < irreps.size(); i++) {
            Irrep rho = irreps.get(i);
            double energy = 0;
            for (int c = 0; c < byClass.length; c++) {
                energy += rho.character()[c] * byClass[c];
            }
            shares[i] = total == 0 ? 0 : rho.dimension() * energy / n / total;
        }
        return shares;
    }

    /**
     * An orthonormal basis of the functions on G adapted to the irreps: {@code rows} [|G|][|G|],
     * irrep r's isotypicDimension() rows together, in {@link #irreps} order; {@code irrepOf} names
     * each row's irrep. For C_n its rows span what Fourier's cos_k and sin_k span, frequency k
     * being irrep k.
     */
    public record Basis(double[][] rows, int[] irrepOf) {}

    private static final java.util.Map<String, Basis> BASES = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The group's adapted basis, found once per JVM: Gram–Schmidt, twice over for float64
     * orthogonality, on the columns P_ρ·e_g of each isotypic projector in element order, keeping a
     * column while its residue is not negligible, until the component's dimension is reached.
     */
    public Basis basis() {
        return BASES.computeIfAbsent(group.name(), name -> {
            int n = group.order();
            double[][] rows = new double[n][];
            int[] irrepOf = new int[n];
            int filled = 0;
            for (int r = 0; r < irreps.size(); r++) {
                Irrep rho = irreps.get(r);
                double[][] p = projector(rho);
                int start = filled;
                double scale = Math.sqrt((double) rho.isotypicDimension() / n); // ‖P_ρ e_g‖ for every g
                for (int g = 0; g < n && filled - start < rho.isotypicDimension(); g++) {
                    double[] v = p[g].clone(); // P_ρ e_g (P is symmetric)
                    for (int pass = 0; pass < 2; pass++) {
                        for (int b = start; b < filled; b++) {
                            double dot = 0;
                            for (int x = 0; x < n; x++) {
                                dot += rows[b][x] * v[x];
                            }
                            for (int x = 0; x < n; x++) {
                                v[x] -= dot * rows[b][x];
                            }
                        }
                    }
                    double norm = Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
                    if (norm > 1e-6 * scale) {
                        for (int x = 0; x < n; x++) {
                            v[x] /= norm;
                        }
                        irrepOf[filled] = r;
                        rows[filled++] = v;
                    }
                }
                if (filled - start != rho.isotypicDimension()) {
                    throw new IllegalStateException("basis of " + group.name() + ", irrep " + rho.name() + ": "
                            + (filled - start) + " of " + rho.isotypicDimension() + " rows");
                }
            }
            return new Basis(rows, irrepOf);
        });
    }

    private static final java.util.Map<String, CharacterTable> BUILT = new java.util.concurrent.ConcurrentHashMap<>();

    /** The group's table, computed once per JVM. */
    public static CharacterTable of(FiniteGroup g) {
        return BUILT.computeIfAbsent(g.name(), name -> build(g));
    }

    private static CharacterTable build(FiniteGroup g) {
        List<int[]> classes = g.classes();
        int[] classOf = new int[g.order()];
        for (int c = 0; c < classes.size(); c++) {
            for (int x : classes.get(c)) {
                classOf[x] = c;
            }
        }
        List<Irrep> irreps = g.name().startsWith("C") ? cyclic(g.order()) : numeric(g, classes, classOf);
        int total = irreps.stream().mapToInt(Irrep::isotypicDimension).sum();
        int count = irreps.stream().mapToInt(Irrep::multiplicity).sum();
        if (total != g.order() || count != classes.size()) {
            throw new IllegalStateException("character table of " + g.name() + ": Σ d² = " + total + " for |G| = "
                    + g.order() + ", " + count + " irreps for " + classes.size() + " classes");
        }
        return new CharacterTable(g, classes, classOf, irreps);
    }

    /** Z_n: the trivial irrep, then frequencies k = 1 .. ⌊n/2⌋ (a pair unless 2k = n). Class x is element x. */
    static List<Irrep> cyclic(int n) {
        List<Irrep> irreps = new ArrayList<>();
        for (int k = 0; k <= n / 2; k++) {
            boolean pair = k != 0 && 2 * k != n;
            double[] psi = new double[n];
            for (int x = 0; x < n; x++) {
                psi[x] = (pair ? 2 : 1) * Math.cos(2 * Math.PI * ((long) k * x % n) / n);
            }
            irreps.add(new Irrep("k" + k, 1, pair, psi));
        }
        return irreps;
    }

    static List<Irrep> numeric(FiniteGroup g, List<int[]> classes, int[] classOf) {
        int r = classes.size();
        int[] inverse = g.inverses();
        int[] inverseClass = new int[r];
        double[] w = new double[r]; // |C| / |G|: the inner product of class functions
        for (int c = 0; c < r; c++) {
            inverseClass[c] = classOf[inverse[classes.get(c)[0]]];
            w[c] = (double) classes.get(c).length / g.order();
        }
        // S = Σ_j a_j (T_j + T_j⁻¹), (T_j f)(x_c) = Σ_{h ∈ C_j} f(h·x_c): self-adjoint for w.
        double[][] s = new double[r][r];
        Random generic = new Random(20230203L); // fixed: the same table in every JVM
        for (int j = 0; j < r; j++) {
            double a = 0.5 + generic.nextDouble();
            for (int c = 0; c < r; c++) {
                int x = classes.get(c)[0];
                for (int h : classes.get(j)) {
                    s[c][classOf[g.multiply(h, x)]] += a;
                }
                for (int h : classes.get(inverseClass[j])) {
                    s[c][classOf[g.multiply(h, x)]] += a;
                }
            }
        }
        double[][] sym = new double[r][r]; // D^½ S D^−½, symmetric
        for (int c = 0; c < r; c++) {
            for (int k = 0; k < r; k++) {
                sym[c][k] = Math.sqrt(w[c] / w[k]) * s[c][k];
            }
        }
        for (int c = 0; c < r; c++) {
            for (int k = 0; k < c; k++) {
                sym[c][k] = sym[k][c] = (sym[c][k] + sym[k][c]) / 2;
            }
        }
        SymmetricEigen eig = SymmetricEigen.of(sym);
        Integer[] order = new Integer[r];
        for (int i = 0; i < r; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> eig.values()[i]));
        double scale = 1 + Arrays.stream(eig.values()).map(Math::abs).max().orElse(0);
        List<Irrep> irreps = new ArrayList<>();
        for (int start = 0; start < r; ) {
            int end = start + 1;
            while (end < r && eig.values()[order[end]] - eig.values()[order[start]] < 1e-7 * scale) {
                end++;
            }
            if (end - start > 2) {
                throw new IllegalStateException("character table of " + g.name() + ": an eigenvalue of multiplicity "
                        + (end - start) + " in the class algebra");
            }
            double[] u = end - start == 1 ? eig.vector(order[start]) : evenUnderInversion(eig.vector(order[start]),
                    eig.vector(order[start + 1]), inverseClass);
            boolean pair = end - start == 2;
            double[] psi = new double[r];
            for (int c = 0; c < r; c++) {
                psi[c] = u[c] / Math.sqrt(w[c]) * (pair ? Math.sqrt(2) : 1); // ⟨ψ, ψ⟩ = 1, or 2 for χ + χ̄
            }
            if (psi[0] < 0) {
                for (int c = 0; c < r; c++) {
                    psi[c] = -psi[c];
                }
            }
            int d = (int) Math.round(psi[0] / (pair ? 2 : 1));
            irreps.add(new Irrep("", d, pair, psi));
            start = end;
        }
        irreps.sort(Comparator.comparingInt(Irrep::dimension).thenComparing(Irrep::pair)
                .thenComparing((a, b) -> compareValues(b.character(), a.character())));
        List<Irrep> named = new ArrayList<>();
        for (Irrep rho : irreps) {
            long before = named.stream().filter(o -> o.dimension() == rho.dimension()).count();
            named.add(new Irrep(rho.dimension() + String.valueOf((char) ('a' + before)), rho.dimension(), rho.pair(),
                    rho.character()));
        }
        return named;
    }

    /** In the span of orthonormal u1, u2 (class coordinates), the unit vector fixed by g ↦ g⁻¹. */
    private static double[] evenUnderInversion(double[] u1, double[] u2, int[] inverseClass) {
        double[][] j = new double[2][2]; // the inversion, restricted to the span: an isometry with eigenvalues ±1
        double[][] u = {u1, u2};
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < u1.length; c++) {
                    j[a][b] += u[a][c] * u[b][inverseClass[c]];
                }
            }
        }
        SymmetricEigen e = SymmetricEigen.of(j);
        double[] v = e.vector(e.values()[0] > e.values()[1] ? 0 : 1);
        double[] out = new double[u1.length];
        for (int c = 0; c < u1.length; c++) {
            out[c] = v[0] * u1[c] + v[1] * u2[c];
        }
        return out;
    }

    /** Lexicographic, equal within 1e-6: a canonical order that floating-point noise cannot change. */
    private static int compareValues(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > 1e-6) {
                return Double.compare(a[i], b[i]);
            }
        }
        return 0;
    }
}
