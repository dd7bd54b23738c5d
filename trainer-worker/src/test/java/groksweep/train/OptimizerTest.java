package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.model.GradMode;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

/** One run's updates (R = 1: every tensor has a run axis of 1) against torch's own numbers and hand computations. */
class OptimizerTest {

    /**
     * Expected values from torch.optim.AdamW(lr=1e-2, betas=(0.9, 0.98), eps=1e-8,
     * weight_decay=1.0) with LambdaLR(lambda s: min(s / 2, 1)), float64. The third and fourth
     * entries get gradients of 1e-9, where eps dominates √v: adding eps before the bias
     * correction (DJL's AdamW) moves them by ~2e-5 and fails this test.
     */
    @Test
    void matchesTorchAdamWWithWarmupOverThreeSteps() {
        Torch.engine();
        double[][] grads = {{0.1, -0.2, 1e-9, 0.0}, {0.3, 0.1, -1e-9, 2e-9}, {-0.2, 0.05, 1e-9, 0.0}};
        double[][] expected = {
            {1.0, -2.0, 0.5, 3.0}, // lr 0 on the first update: nothing moves
            {0.9904286095618858, -1.9886644615169562, 0.4975239234449761, 2.9845391820253906},
            {0.9779504930346393, -1.9681596808592818, 0.4922434175214958, 2.9540983360137316},
        };
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new double[] {1.0, -2.0, 0.5, 3.0}).reshape(1, 4);
            w.setRequiresGradient(true);
            Optimizer opt = new Optimizer(TrainConfig.defaults().with(Map.of("lr", 1e-2, "warmup_steps", 2)), new NDList(w));
            for (int t = 0; t < 3; t++) {
                try (GradMode g = GradMode.enabled()) {
                    GradMode.backward(w.mul(m.create(grads[t])).sum()); // d/dw (w·g) = g
                }
                try (NDManager scope = m.newSubManager()) {
                    opt.step(scope, false);
                }
                assertArrayEquals(expected[t], w.toDoubleArray(), 1e-13, "after update " + (t + 1));
            }
            assertEquals(3, opt.updatesDone());
        }
    }

    @Test
    void warmupIsLinearFromZero() {
        TrainConfig s = TrainConfig.defaults(); // lr 1e-3, warm-up 10
        assertEquals(0.0, Optimizer.learningRate(s, 1));
        assertEquals(1e-4, Optimizer.learningRate(s, 2), 1e-18);
        assertEquals(9e-4, Optimizer.learningRate(s, 10), 1e-18);
        assertEquals(1e-3, Optimizer.learningRate(s, 11));
        assertEquals(1e-3, Optimizer.learningRate(s, 5000));
    }

    /** Gradients of three updates for two tensors, [4] and [2]; 1e-9 entries test eps (Adam) and projections. */
    private static final double[][] G1 = {{0.1, -0.2, 1e-9, 0.0}, {0.3, 0.1, -1e-9, 2e-9}, {-0.2, 0.05, 1e-9, 0.0}};
    private static final double[][] G2 = {{0.5, -0.5}, {0.25, 0.0}, {-1.0, 2.0}};

    /** Both tensors, back to back, after each of the three updates, in float64. */
    private static double[][] trajectory(Map<String, Object> options) {
        Torch.engine();
        TrainConfig c = TrainConfig.defaults().with(options).validate();
        double[][] out = new double[3][];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w1 = m.create(new double[] {1.0, -2.0, 0.5, 3.0}).reshape(1, 4);
            NDArray w2 = m.create(new double[] {0.5, 0.25}).reshape(1, 2);
            w1.setRequiresGradient(true);
            w2.setRequiresGradient(true);
            Optimizer opt = new Optimizer(c, new NDList(w1, w2));
            for (int t = 0; t < 3; t++) {
                try (GradMode g = GradMode.enabled()) {
                    GradMode.backward(w1.mul(m.create(G1[t])).sum().add(w2.mul(m.create(G2[t])).sum()));
                }
                try (NDManager scope = m.newSubManager()) {
                    opt.step(scope, false);
                }
                out[t] = w1.concat(w2, 1).toDoubleArray();
            }
        }
        return out;
    }

    private static void assertTrajectory(double[][] expected, Map<String, Object> options) {
        double[][] actual = trajectory(options);
        for (int t = 0; t < 3; t++) {
            assertArrayEquals(expected[t], Arrays.copyOf(actual[t], expected[t].length), 1e-13, "after update " + (t + 1));
        }
    }

    /** torch.optim.Adam(lr=1e-2, betas=(0.9, 0.98), eps=1e-8, weight_decay=1.0), LambdaLR as above, float64. */
    @Test
    void adamAddsTheDecayToTheGradientAsTorchDoes() {
        assertTrajectory(new double[][] {
            {1.0, -2.0, 0.5, 3.0},
            {0.9949995954974206, -1.995028879597051, 0.4950000001004253, 2.9950000000165957},
            {0.9852707098508365, -1.9850848671029868, 0.4850030145052394, 2.985000485342146},
        }, Map.of("optimizer", "adam", "lr", 1e-2, "warmup_steps", 2));
    }

    /** torch.optim.SGD(lr=1e-2, momentum=0.9, weight_decay=1.0), LambdaLR as above: the buffer fills at lr 0 too. */
    @Test
    void sgdWithMomentumMatchesTorch() {
        assertTrajectory(new double[][] {
            {1.0, -2.0, 0.5, 3.0},
            {0.98855, -1.9806, 0.4952500000005, 2.97149999999},
            {0.9600545, -1.9263739999999998, 0.481747499991395, 2.8904849999720996},
        }, Map.of("optimizer", "sgd", "lr", 1e-2, "warmup_steps", 2));
    }

    /** Plain SGD at lr 1 and no decay, so each update subtracts exactly the filtered gradient. */
    private static final Map<String, Object> RAW = Map.of("optimizer", "sgd", "momentum", 0.0, "lr", 1.0,
            "warmup_steps", 0, "weight_decay", 0.0);

    private static Map<String, Object> raw(Object... more) {
        Map<String, Object> options = new java.util.HashMap<>(RAW);
        for (int i = 0; i < more.length; i += 2) {
            options.put((String) more[i], more[i + 1]);
        }
        return options;
    }

    /**
     * Grokfast EMA, α = 0.5, λ = 2: e₁ = g₁ (it starts as the first gradient), e ← α·e + (1 − α)·g,
     * fed g + λ·e. By hand: update 1 is 3·g₁; update 2 is g₁ + 2·g₂; update 3 is g₁/2 + g₂/2 + 2·g₃.
     */
    @Test
    void grokfastEmaStartsFromTheFirstGradient() {
        assertTrajectory(new double[][] {
            {0.7, -1.4, 0.499999997, 3.0, -1.0, 1.75},
            {0.0, -1.4, 0.499999998, 2.999999996, -2.0, 2.25},
            {0.2, -1.45, 0.499999996, 2.999999995, -0.375, -1.5},
        }, raw("grokfast", "ema", "grokfast_alpha", 0.5, "grokfast_lambda", 2.0));
    }

    /**
     * Grokfast MA, window 2, λ = 5: nothing until the window is full (update 1 is g₁), then
     * g + 5·mean of the last two raw gradients: update 2 is g₂ + 2.5·(g₁ + g₂), update 3 is g₃ + 2.5·(g₂ + g₃).
     */
    @Test
    void grokfastMaWaitsForAFullWindow() {
        assertTrajectory(new double[][] {
            {0.9, -1.8, 0.499999999, 3.0, 0.0, 0.75},
            {-0.4, -1.6500000000000001, 0.5, 2.999999993, -2.125, 2.0},
            {-0.44999999999999996, -2.075, 0.499999999, 2.999999988, 0.75, -5.0},
        }, raw("grokfast", "ma", "grokfast_window", 2, "grokfast_lambda", 5.0));
    }

    /**
     * ⊥Grad at lr 0.1, per tensor: g⊥ = g − (w·g)/(w·w)·w, rescaled to ‖g‖. Values from that formula
     * in torch, float64; a projection over both tensors at once, or none, fails this test.
     */
    @Test
    void orthogonalGradProjectsEachTensorAndKeepsTheNorm() {
        assertTrajectory(new double[][] {
            {0.9919431842082772, -1.9838863684165544, 0.5021775176607828, 3.0130651067094076, 0.4683772233983162, 0.3132455532033676},
            {0.962531938651621, -1.9953067997979717, 0.5025282845906112, 3.0151697074861223, 0.4544791993642832, 0.3340264321056047},
            {0.9819815995942485, -1.9962865076609588, 0.5014162998741071, 3.0084977998346107, 0.5869032710043621, 0.1538491159687967},
        }, raw("lr", 0.1, "orthogonal_grad", true));
    }

    /** Omnigrok's constraint, factor 0.5: after each SGD step all tensors × 0.5·‖θ₀‖/‖θ‖, one global factor. */
    @Test
    void fixedWeightNormRescalesAllTensorsTogether() {
        double[][] expected = {
            {0.4970435729451975, -0.994087145890395, 0.25103210749787314, 1.5061926452884773, 0.2259288967932716, 0.15061926452884772},
            {0.4683066777527149, -1.0068026683268625, 0.2517110161201521, 1.510266096220802, 0.20147230274126124, 0.1510266096421343},
            {0.48439023575648193, -1.0036875500156142, 0.24969217900855786, 1.4981530741504356, 0.29905435754216886, -0.048580601458114915},
        };
        assertTrajectory(expected, raw("lr", 0.1, "fixed_weight_norm", 0.5));
        double norm0 = Math.sqrt(1 + 4 + 0.25 + 9 + 0.25 + 0.0625);
        for (double[] w : expected) {
            assertEquals(0.5 * norm0, Math.sqrt(Arrays.stream(w).map(x -> x * x).sum()), 1e-12);
        }
    }

    /** Saved state restores every filter: three updates with a save and restore after the second equal three in one go. */
    @Test
    void stateRoundTripContinuesBitForBit() {
        Map<String, Object> options = raw("lr", 0.1, "grokfast", "ma", "grokfast_window", 2, "fixed_weight_norm", 0.5,
                "orthogonal_grad", true);
        TrainConfig c = TrainConfig.defaults().with(options);
        double[] straight = trajectory(options)[2];
        Torch.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w1 = m.create(new double[] {1.0, -2.0, 0.5, 3.0}).reshape(1, 4);
            NDArray w2 = m.create(new double[] {0.5, 0.25}).reshape(1, 2);
            NDList params = new NDList(w1, w2);
            params.forEach(w -> w.setRequiresGradient(true));
            Optimizer opt = new Optimizer(c, params);
            for (int t = 0; t < 3; t++) {
                if (t == 2) {
                    NDList saved = NDList.decode(m, opt.state(m).encode(NDList.Encoding.NPZ));
                    opt = new Optimizer(c, params, saved);
                    assertEquals(2, opt.updatesDone());
                }
                try (GradMode g = GradMode.enabled()) {
                    GradMode.backward(w1.mul(m.create(G1[t])).sum().add(w2.mul(m.create(G2[t])).sum()));
                }
                try (NDManager scope = m.newSubManager()) {
                    opt.step(scope, true);
                }
            }
            assertArrayEquals(straight, w1.concat(w2, 1).toDoubleArray(), 0.0);
        }
    }

    /** The update norm is ‖θ_t − θ_{t−1}‖ over all tensors, decay and rescaling included. */
    @Test
    void updateNormIsTheChangeOfAllParameters() {
        Torch.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w1 = m.create(new double[] {1.0, -2.0, 0.5, 3.0}).reshape(1, 4);
            NDArray w2 = m.create(new double[] {0.5, 0.25}).reshape(1, 2);
            w1.setRequiresGradient(true);
            w2.setRequiresGradient(true);
            Optimizer opt = new Optimizer(TrainConfig.defaults().with(Map.of("lr", 0.1, "warmup_steps", 0)),
                    new NDList(w1, w2));
            double[] before = w1.concat(w2, 1).toDoubleArray();
            try (GradMode g = GradMode.enabled()) {
                GradMode.backward(w1.mul(m.create(G1[0])).sum().add(w2.mul(m.create(G2[0])).sum()));
            }
            try (NDManager scope = m.newSubManager()) {
                opt.step(scope, true);
            }
            double[] after = w1.concat(w2, 1).toDoubleArray();
            double norm = 0;
            for (int i = 0; i < after.length; i++) {
                norm += (after[i] - before[i]) * (after[i] - before[i]);
            }
            assertEquals(Math.sqrt(norm), opt.updateNorm(), 1e-15);
            assertTrue(opt.updateNorm() > 0.1); // decay 0.1·‖θ‖ alone moves it by ~0.38
        }
    }

    /** X ← X/(‖X‖_F + 1e-7), then {@code steps} times X ← a·X + (b·A + c·A²)·X with A = X·Xᵀ: by hand, on a wide matrix. */
    private static double[][] newtonSchulzByHand(double[][] g, int steps) {
        double norm = Math.sqrt(Arrays.stream(g).flatMapToDouble(Arrays::stream).map(v -> v * v).sum()) + 1e-7;
        double[][] x = Arrays.stream(g).map(row -> Arrays.stream(row).map(v -> v / norm).toArray()).toArray(double[][]::new);
        for (int i = 0; i < steps; i++) {
            double[][] a = times(x, transpose(x));
            double[][] a2 = times(a, a);
            double[][] b = new double[a.length][a.length];
            for (int r = 0; r < a.length; r++) {
                for (int k = 0; k < a.length; k++) {
                    b[r][k] = Optimizer.NS_B * a[r][k] + Optimizer.NS_C * a2[r][k];
                }
            }
            double[][] bx = times(b, x);
            for (int r = 0; r < x.length; r++) {
                for (int k = 0; k < x[0].length; k++) {
                    x[r][k] = Optimizer.NS_A * x[r][k] + bx[r][k];
                }
            }
        }
        return x;
    }

    private static double[][] times(double[][] p, double[][] q) {
        double[][] out = new double[p.length][q[0].length];
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < q[0].length; j++) {
                for (int k = 0; k < q.length; k++) {
                    out[i][j] += p[i][k] * q[k][j];
                }
            }
        }
        return out;
    }

    private static double[][] transpose(double[][] p) {
        double[][] out = new double[p[0].length][p.length];
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[0].length; j++) {
                out[j][i] = p[i][j];
            }
        }
        return out;
    }

    /**
     * G = U·diag(1, 0.1)·Vᵀ with rotations U (2×2) and V (3×3): Newton–Schulz maps it to
     * U·diag(f(1/n), f(0.1/n))·Vᵀ, f the scalar quintic x ← ax + bx³ + cx⁵ five times and n = ‖G‖_F + 1e-7,
     * and so does the hand iteration; both singular values end in [0.68, 1.2], near-orthogonal
     * from a condition number of 10. The tall Gᵀ gives the transpose.
     */
    @Test
    void newtonSchulzMovesEverySingularValueTowardOne() {
        Torch.engine();
        double[][] u = {{Math.cos(0.3), -Math.sin(0.3)}, {Math.sin(0.3), Math.cos(0.3)}};
        double[][] v = times(new double[][] {{Math.cos(0.7), -Math.sin(0.7), 0}, {Math.sin(0.7), Math.cos(0.7), 0}, {0, 0, 1}},
                new double[][] {{1, 0, 0}, {0, Math.cos(0.4), -Math.sin(0.4)}, {0, Math.sin(0.4), Math.cos(0.4)}});
        double[] s = {1, 0.1};
        double[][] g = times(times(u, new double[][] {{s[0], 0, 0}, {0, s[1], 0}}), transpose(v)); // [2, 3]
        double n = Math.sqrt(s[0] * s[0] + s[1] * s[1]) + 1e-7;
        double[] f = new double[2];
        for (int i = 0; i < 2; i++) {
            double x = s[i] / n;
            for (int k = 0; k < 5; k++) {
                x = Optimizer.NS_A * x + Optimizer.NS_B * x * x * x + Optimizer.NS_C * Math.pow(x, 5);
            }
            f[i] = x;
            assertTrue(f[i] > 0.68 && f[i] < 1.2, "singular value " + s[i] + " ends at " + f[i]);
        }
        double[][] expected = times(times(u, new double[][] {{f[0], 0, 0}, {0, f[1], 0}}), transpose(v));
        double[][] hand = newtonSchulzByHand(g, 5);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray wide = m.create(Arrays.stream(g).flatMapToDouble(Arrays::stream).toArray()).reshape(1, 2, 3);
            double[] ours = Optimizer.newtonSchulz(wide, 5).toDoubleArray();
            double[] oursTall = Optimizer.newtonSchulz(wide.swapAxes(1, 2), 5).swapAxes(1, 2).toDoubleArray();
            double[] want = Arrays.stream(expected).flatMapToDouble(Arrays::stream).toArray();
            assertArrayEquals(want, ours, 1e-12);
            assertArrayEquals(want, Arrays.stream(hand).flatMapToDouble(Arrays::stream).toArray(), 1e-12);
            assertArrayEquals(want, oursTall, 1e-12, "a tall matrix is orthogonalised as its transpose");
        }
    }

    /**
     * Two Muon updates (muon_lr 0.02, β 0.95, Nesterov, weight decay 0.5) by hand: the hidden
     * matrix W_in [2, 3] moves by the Newton–Schulz of (1 − β)·g + β·buffer, the bias b_in by
     * AdamW (lr 0.01), both after their decoupled decay with their own learning rate.
     */
    @Test
    void muonUpdatesHiddenMatricesAndAdamWEveryOtherTensor() {
        Torch.engine();
        TrainConfig c = TrainConfig.defaults().with(Map.of("optimizer", "muon", "lr", 1e-2, "weight_decay", 0.5,
                "warmup_steps", 0)).validate();
        double[][][] gw = {{{0.3, -0.1, 0.2}, {0.05, 0.4, -0.3}}, {{-0.2, 0.1, 0.6}, {0.1, 0.0, 0.2}}};
        double[][] gb = {{0.5, -0.25}, {0.1, 0.3}};
        double[][] w = {{1.0, -0.5, 0.25}, {0.5, 2.0, -1.0}};
        double[] b = {0.1, -0.2};
        double[][] buffer = new double[2][3];
        double[] mb = new double[2], vb = new double[2];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray wIn = m.create(Arrays.stream(w).flatMapToDouble(Arrays::stream).toArray()).reshape(1, 2, 3);
            NDArray bIn = m.create(b).reshape(1, 2);
            wIn.setName("W_in");
            bIn.setName("b_in");
            wIn.setRequiresGradient(true);
            bIn.setRequiresGradient(true);
            Optimizer opt = new Optimizer(c, new NDList(wIn, bIn));
            for (int t = 1; t <= 2; t++) {
                double[][] g = gw[t - 1];
                try (GradMode grad = GradMode.enabled()) {
                    GradMode.backward(wIn.mul(m.create(Arrays.stream(g).flatMapToDouble(Arrays::stream).toArray())
                            .reshape(1, 2, 3)).sum().add(bIn.mul(m.create(gb[t - 1]).reshape(1, 2)).sum()));
                }
                try (NDManager scope = m.newSubManager()) {
                    opt.step(scope, false);
                }
                double[][] nesterov = new double[2][3];
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        buffer[i][j] = 0.95 * buffer[i][j] + 0.05 * g[i][j];
                        nesterov[i][j] = 0.05 * g[i][j] + 0.95 * buffer[i][j];
                    }
                }
                double[][] o = newtonSchulzByHand(nesterov, 5); // scale √max(1, 2/3) = 1
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        w[i][j] = w[i][j] * (1 - 0.02 * 0.5) - 0.02 * o[i][j];
                    }
                    double gi = gb[t - 1][i];
                    mb[i] = 0.9 * mb[i] + 0.1 * gi;
                    vb[i] = 0.98 * vb[i] + 0.02 * gi * gi;
                    double step = 1e-2 * (mb[i] / (1 - Math.pow(0.9, t)))
                            / (Math.sqrt(vb[i] / (1 - Math.pow(0.98, t))) + 1e-8);
                    b[i] = b[i] * (1 - 1e-2 * 0.5) - step;
                }
                assertArrayEquals(Arrays.stream(w).flatMapToDouble(Arrays::stream).toArray(), wIn.toDoubleArray(), 1e-14,
                        "W_in after update " + t);
                assertArrayEquals(b, bIn.toDoubleArray(), 1e-14, "b_in after update " + t);
            }
        }
    }
}
