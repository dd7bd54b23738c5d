package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;
import groksweep.model.GradMode;
import groksweep.model.Runs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One update of R runs from the gradients accumulated in their parameters ([R, ...] each), in four
 * stages, each the authors' own code in effect:
 *
 * <ol>
 *   <li>Grokfast (Lee et al. 2024, {@code grokfast.py}), {@code grokfast}: {@code ema} keeps
 *       e ← α·e + (1 − α)·g, starting from the first gradient, and feeds g + λ·e; {@code ma} keeps
 *       the last {@code window} raw gradients and feeds g + λ·mean of them once the window is full
 *       (their {@code warmup=True}), g unchanged before.
 *   <li>⊥Grad (Prieto et al. 2025, {@code orthograd.py}), {@code orthogonal_grad}: per tensor,
 *       g⊥ = g − (w·g)/(w·w + 1e-30)·w, rescaled to ‖g‖: g ← g⊥·‖g‖/(‖g⊥‖ + 1e-30).
 *   <li>The optimizer, with the linear warm-up of Nanda et al. (2023), lr_t = lr·min((t − 1)/warmup, 1)
 *       for update t = 1, 2, … (the first update has lr 0, as torch's LambdaLR gives):
 *       <pre>
 *   adamw  w ← w·(1 − lr_t·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *          w ← w − lr_t/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)          torch.optim.AdamW
 *   adam   g ← g + wd·w, then the same moments and step without the decay    torch.optim.Adam
 *   sgd    g ← g + wd·w;  b ← μ·b + g;  w ← w − lr_t·b                       torch.optim.SGD
 *   muon   on each hidden weight matrix: b ← β·b + (1 − β)·g;  u = (1 − β)·g + β·b (Nesterov; else b)
 *          w ← w·(1 − μlr_t·wd) − μlr_t·√max(1, rows/cols)·NS(u)            Jordan et al.'s muon.py
 *          and adamw on every other tensor (embeddings, unembedding, biases)
 *       </pre>
 *       DJL's {@code Adam} adds the decay to the gradient and DJL's {@code AdamW} adds eps to √v
 *       before the bias correction: both differ from torch once gradients are tiny, which is
 *       exactly the late clean-up phase of grokking.
 *   <li>Omnigrok's constrained norm (Liu et al. 2023), {@code fixed_weight_norm} f &gt; 0: every
 *       parameter × f·‖θ₀‖/‖θ‖, one global factor over all tensors (θ₀: the initial parameters).
 * </ol>
 *
 * <p>The choices (optimizer, Grokfast filter and window, ⊥Grad) are the runs' shared options; every
 * number (lr, weight decay, betas, eps, warm-up, momentum, α, λ, f) is each run's own. Gradients,
 * moments and filter state live in rows [R, Σ sizes], one per run laid out as a single run's
 * parameters back to back, so an update is a handful of large operations, and every operation is
 * elementwise within a row or a reduction over it ({@link Runs}): each run is updated exactly as it
 * would be alone. A run's row is its checkpoint state ({@link #state}), saved and restored by
 * name, so a resumed run continues bit for bit.
 */
public final class Optimizer {

    private final TrainConfig c; // the shared choices
    private final List<TrainConfig> runs; // each run's numbers, in run-axis order
    private final NDList params;
    private final NDList state; // named [R, ...] tensors: m, v, and the Grokfast state the config needs
    private final double[] targetNorm; // per run f·‖θ₀‖ of the constrained norm; 0: off
    private int t;
    private double[] updateNorm; // per run; NaN when not measured

    /** Newton–Schulz's quintic coefficients (a, b, c), Jordan et al.'s. */
    static final double NS_A = 3.4445, NS_B = -4.7750, NS_C = 2.0315;

    /** The parameters Muon updates: the blocks' weight matrices (attention and MLP), any block. */
    private static final List<String> HIDDEN = List.of("W_Q", "W_K", "W_V", "W_O", "W_in", "W_out");

    /** Fresh state for one run (R = 1) in the parameters' manager; nothing updated yet. */
    public Optimizer(TrainConfig config, NDList params) {
        this(List.of(config), params);
    }

    /** Fresh state for {@code runs} (R of them, in run-axis order) in the parameters' manager. */
    public Optimizer(List<TrainConfig> runs, NDList params) {
        this.c = runs.get(0);
        this.runs = List.copyOf(runs);
        this.params = params;
        NDManager manager = params.head().getManager();
        int r = runs.size();
        long total = params.stream().mapToLong(NDArray::size).sum() / r;
        long matrices = params.stream().filter(this::muon).mapToLong(NDArray::size).sum() / r;
        DataType type = params.head().getDataType();
        this.state = new NDList(named(manager.zeros(new Shape(r, total - matrices), type), "m"),
                named(manager.zeros(new Shape(r, total - matrices), type), "v"));
        if (matrices > 0) {
            state.add(named(manager.zeros(new Shape(r, matrices), type), "muon_momentum"));
        }
        switch (c.grokfast()) {
            case "ema" -> state.add(named(manager.zeros(new Shape(r, total), type), "grokfast_ema"));
            case "ma" -> {
                state.add(named(manager.zeros(new Shape(r, c.grokfastWindow(), total), type), "grokfast_window"));
                state.add(named(manager.zeros(new Shape(r, total), type), "grokfast_sum"));
            }
            default -> {}
        }
        double[] norms = squareSums(params);
        this.targetNorm = new double[r];
        for (int i = 0; i < r; i++) {
            targetNorm[i] = runs.get(i).fixedWeightNorm() * Math.sqrt(norms[i]);
        }
        this.updateNorm = new double[r];
        java.util.Arrays.fill(updateNorm, Double.NaN);
    }

    /** Resumes one run (R = 1) from the arrays of {@link #state} (a checkpoint's), in the parameters' manager. */
    public Optimizer(TrainConfig config, NDList params, NDList saved) {
        this(List.of(config), params, List.of(saved));
    }

    /**
     * Joins the runs' saved states (each as {@link #state} names it, all at the same update) over
     * {@code params}, [R, ...] in the same run order; the state is copied into the parameters' manager.
     */
    public Optimizer(List<TrainConfig> runs, NDList params, List<NDList> saved) {
        this.c = runs.get(0);
        this.runs = List.copyOf(runs);
        this.params = params;
        NDManager manager = params.head().getManager();
        this.state = new NDList();
        for (String name : List.of("m", "v", "muon_momentum", "grokfast_ema", "grokfast_window", "grokfast_sum")) {
            if (saved.get(0).contains(name)) {
                NDList rows = new NDList();
                saved.forEach(s -> rows.add(s.get(name).expandDims(0)));
                NDArray joined = NDArrays.concat(rows); // [R, ...]
                joined.attach(manager);
                state.add(named(joined, name));
            }
        }
        this.t = (int) scalar(saved.get(0), "updates", 0);
        this.updateNorm = saved.stream().mapToDouble(s -> scalar(s, "update_norm", Double.NaN)).toArray(); // absent in 0.1.0's
        this.targetNorm = saved.stream().mapToDouble(s -> scalar(s, "target_norm", 0)).toArray();
    }

    /** Learning rate of update t (1-based): lr·min((t − 1)/warmup, 1). */
    public static double learningRate(TrainConfig c, int t) {
        return c.lr() * warmup(c, t);
    }

    /** The warm-up's factor of update t (1-based), min((t − 1)/warmup, 1): of lr, and of muon_lr. */
    static double warmup(TrainConfig c, int t) {
        return c.warmupSteps() == 0 ? 1 : Math.min((t - 1) / (double) c.warmupSteps(), 1.0);
    }

    /**
     * Applies one update from the gradients accumulated in the parameters, then zeroes them.
     * Temporaries live in {@code scope}, which borrows the state for the duration; the caller
     * closes it (the training step's scope). With {@code measure}, {@link #updateNorm} is set to
     * the L2 norm of each run's change of all parameters (else NaN).
     */
    public void step(NDManager scope, boolean measure) {
        t++;
        double[] lr = each(r -> learningRate(r, t));
        double[] wd = each(TrainConfig::weightDecay);
        int n = runs.size();
        scope.tempAttachAll(state);
        try (GradMode noGrad = GradMode.disabled()) {
            NDArray before = measure ? flatten(params) : null; // [R, Σ]
            NDList grads = new NDList(params.size());
            for (NDArray w : params) {
                NDArray g = JniUtils.getGradient((PtNDArray) w);
                g.attach(scope);
                grads.add(g.reshape(n, -1));
            }
            NDArray g = grokfast(NDArrays.concat(grads, 1)); // [R, Σ]
            if (c.orthogonalGrad()) {
                g = orthogonal(g);
            }
            NDArray m = state.get("m");
            NDArray update = switch (c.optimizer()) { // [R, Σ], subtracted from the weights
                case "adamw" -> adam(g, lr);
                case "adam" -> adam(g.add(Runs.scalei(flatten(params), wd)), lr);
                case "sgd" -> {
                    Runs.scalei(m, each(TrainConfig::momentum)).addi(g.add(Runs.scalei(flatten(params), wd)));
                    yield Runs.scale(m, lr);
                }
                case "muon" -> muon(g, lr);
                default -> throw new IllegalStateException("optimizer " + c.optimizer());
            };
            boolean decoupled = c.optimizer().equals("adamw") || c.optimizer().equals("muon");
            double[] keep = new double[n], keepMatrix = new double[n];
            java.util.Arrays.setAll(keep, r -> 1 - lr[r] * wd[r]);
            java.util.Arrays.setAll(keepMatrix, r -> 1 - runs.get(r).muonLr() * warmup(runs.get(r), t) * wd[r]);
            long offset = 0;
            for (NDArray w : params) {
                long size = w.size() / n;
                if (decoupled) {
                    Runs.scalei(w, muon(w) ? keepMatrix : keep);
                }
                w.subi(update.get(":, " + offset + ":" + (offset + size)).reshape(w.getShape()));
                JniUtils.zeroGrad((PtNDArray) w);
                offset += size;
            }
            if (java.util.Arrays.stream(targetNorm).anyMatch(f -> f > 0)) {
                double[] norms = squareSums(params);
                double[] scale = new double[n];
                java.util.Arrays.setAll(scale, r -> targetNorm[r] > 0 ? targetNorm[r] / Math.sqrt(norms[r]) : 1);
                params.forEach(w -> Runs.scalei(w, scale));
            }
            if (measure) {
                updateNorm = Runs.norms(flatten(params).subi(before)).toType(DataType.FLOAT64, false).toDoubleArray();
            } else {
                java.util.Arrays.fill(updateNorm, Double.NaN);
            }
        }
    }

    /** Adam's moments and bias-corrected step from gradient {@code g}, per run. */
    private NDArray adam(NDArray g, double[] lr) {
        double[] beta1 = each(TrainConfig::beta1), beta2 = each(TrainConfig::beta2);
        double[] stepSize = new double[lr.length], bias2Sqrt = new double[lr.length];
        for (int r = 0; r < lr.length; r++) {
            stepSize[r] = lr[r] / (1 - Math.pow(beta1[r], t));
            bias2Sqrt[r] = Math.sqrt(1 - Math.pow(beta2[r], t));
        }
        NDArray m = state.get("m"), v = state.get("v");
        Runs.scalei(m, beta1).addi(Runs.scale(g, complement(beta1)));
        Runs.scalei(v, beta2).addi(Runs.scalei(g.square(), complement(beta2)));
        NDArray denominator = Runs.addi(Runs.dividei(v.sqrt(), bias2Sqrt), each(TrainConfig::eps));
        return Runs.scalei(m.div(denominator), stepSize);
    }

    /**
     * Muon's update (Jordan et al.'s {@code SingleDeviceMuonWithAuxAdam}) from gradient {@code g},
     * per run: on each hidden matrix the momentum, Newton–Schulz and scale of the class comment;
     * {@link #adam} over every other tensor. The attention's [H, K, D] weights are one [H·K, D]
     * matrix, as a layer computing all heads at once holds them.
     */
    private NDArray muon(NDArray g, double[] lr) {
        int n = runs.size();
        NDList others = new NDList(), matrices = new NDList();
        long offset = 0;
        for (NDArray w : params) {
            long size = w.size() / n;
            (muon(w) ? matrices : others).add(g.get(":, " + offset + ":" + (offset + size)));
            offset += size;
        }
        NDArray adamUpdate = adam(NDArrays.concat(others, 1), lr); // [R, Σ others]
        NDArray gm = NDArrays.concat(matrices, 1); // [R, Σ matrices]
        double[] beta = each(TrainConfig::muonMomentum);
        NDArray buffer = state.get("muon_momentum");
        Runs.scalei(buffer, beta).addi(Runs.scale(gm, complement(beta)));
        NDArray u = c.muonNesterov() ? Runs.scale(gm, complement(beta)).addi(Runs.scale(buffer, beta)) : buffer;
        double[] muonLr = each(r -> r.muonLr() * warmup(r, t));
        NDList out = new NDList();
        long a = 0, m = 0;
        for (NDArray w : params) {
            long size = w.size() / n;
            if (muon(w)) {
                long cols = w.getShape().getLastDimension(), rows = size / cols;
                NDArray orthogonal = newtonSchulz(u.get(":, " + m + ":" + (m + size)).reshape(n, rows, cols),
                        c.muonNsSteps()); // [R, rows, cols]
                out.add(Runs.scalei(orthogonal.reshape(n, size).muli(Math.sqrt(Math.max(1, rows / (double) cols))),
                        muonLr));
                m += size;
            } else {
                out.add(adamUpdate.get(":, " + a + ":" + (a + size)));
                a += size;
            }
        }
        return NDArrays.concat(out, 1);
    }

    /** Whether Muon updates {@code w}: the optimizer is muon and w is a hidden weight matrix. */
    private boolean muon(NDArray w) {
        return c.optimizer().equals("muon") && HIDDEN.contains(w.getName().replaceAll("\\.\\d+$", ""));
    }

    /**
     * Newton–Schulz's quintic iteration toward the orthogonal factor U·Vᵀ of each G = U·S·Vᵀ in
     * {@code g} [R, rows, cols], as Jordan et al.'s {@code zeropower_via_newtonschulz5} (in the
     * parameters' dtype, not bfloat16): on the wide orientation (Gᵀ when rows &gt; cols),
     * X ← G/(‖G‖_F + 1e-7), then {@code steps} times A = X·Xᵀ, X ← a·X + (b·A + c·A²)·X. Each singular
     * value s of G becomes f(s/(‖G‖_F + 1e-7)) for the scalar quintic f iterated, which their
     * coefficients drive into about [0.7, 1.2] rather than to 1 exactly.
     */
    static NDArray newtonSchulz(NDArray g, int steps) {
        boolean tall = g.getShape().get(1) > g.getShape().get(2);
        NDArray x = tall ? g.swapAxes(1, 2) : g; // [R, small, large]
        x = x.div(x.square().sum(new int[] {1, 2}, true).sqrt().addi(1e-7));
        for (int i = 0; i < steps; i++) {
            NDArray a = x.matMul(x.swapAxes(1, 2)); // [R, small, small]
            x = x.mul(NS_A).addi(a.mul(NS_B).addi(a.matMul(a).muli(NS_C)).matMul(x));
        }
        return tall ? x.swapAxes(1, 2) : x;
    }

    /** The Grokfast-filtered gradient, updating the filter's state; g itself when off. */
    private NDArray grokfast(NDArray g) {
        switch (c.grokfast()) {
            case "ema" -> {
                NDArray ema = state.get("grokfast_ema");
                if (t == 1) {
                    ema.addi(g); // starts as the first gradient
                } else {
                    double[] alpha = each(TrainConfig::grokfastAlpha);
                    Runs.scalei(ema, alpha).addi(Runs.scale(g, complement(alpha)));
                }
                return g.add(Runs.scale(ema, each(TrainConfig::grokfastLambda)));
            }
            case "ma" -> {
                // A ring of the last `window` gradients and their running sum.
                NDArray window = state.get("grokfast_window"); // [R, W, Σ]
                NDArray sum = state.get("grokfast_sum"); // [R, Σ]
                int w = c.grokfastWindow();
                NDIndex slot = new NDIndex(":, {}, :", (t - 1) % w);
                if (t > w) {
                    sum.subi(window.get(slot));
                }
                window.set(slot, g);
                sum.addi(g);
                return t >= w ? g.add(Runs.scale(sum, each(r -> r.grokfastLambda() / w))) : g;
            }
            default -> {
                return g;
            }
        }
    }

    /** ⊥Grad: each tensor's slice of {@code g} [R, Σ] without its component along the weights, at ‖g‖, per run. */
    private NDArray orthogonal(NDArray g) {
        int n = runs.size();
        NDList out = new NDList();
        long offset = 0;
        for (NDArray w : params) {
            long size = w.size() / n;
            NDArray wf = w.reshape(n, -1); // [R, size]
            NDArray gi = g.get(":, " + offset + ":" + (offset + size)); // [R, size]
            NDArray proj = Runs.dots(wf, gi).divi(Runs.dots(wf, wf).addi(1e-30)).expandDims(1); // [R, 1]
            NDArray perp = gi.sub(wf.mul(proj)); // [R, size]
            out.add(perp.muli(Runs.norms(gi).divi(Runs.norms(perp).addi(1e-30)).expandDims(1)));
            offset += size;
        }
        return NDArrays.concat(out, 1);
    }

    /** L2 norm of the change made by the last update measured, of a single run (NaN if it was not measured). */
    public double updateNorm() {
        return updateNorm(0);
    }

    /** Run r's {@link #updateNorm()}. */
    public double updateNorm(int r) {
        return updateNorm[r];
    }

    public int updatesDone() {
        return t;
    }

    /** The state of a single run (R = 1); see {@link #state(int, NDManager)}. */
    public NDList state(NDManager manager) {
        return state(0, manager);
    }

    /**
     * Run r's state to save, by name, in {@code manager}: m and v (flat, parameters back to back), the
     * Grokfast state the config uses, updates done, the last update norm and the target norm.
     */
    public NDList state(int r, NDManager manager) {
        NDList out = new NDList();
        for (NDArray x : state) {
            NDArray copy = x.get(r).duplicate();
            copy.attach(manager);
            out.add(named(copy, x.getName()));
        }
        out.add(scalar(manager, "updates", t));
        out.add(scalar(manager, "update_norm", updateNorm[r]));
        out.add(scalar(manager, "target_norm", targetNorm[r]));
        return out;
    }

    /** Keeps only the runs {@code kept} (indices, in order), over their parameters {@code params}. */
    Optimizer select(int[] kept, NDList params) {
        List<TrainConfig> configs = new ArrayList<>();
        List<NDList> saved = new ArrayList<>();
        try (NDManager scope = params.head().getManager().newSubManager()) {
            for (int r : kept) {
                configs.add(runs.get(r));
                saved.add(state(r, scope));
            }
            return new Optimizer(configs, params, saved);
        }
    }

    private double[] each(ToDoubleFunction<TrainConfig> value) {
        return runs.stream().mapToDouble(value).toArray();
    }

    private static double[] complement(double[] x) {
        return java.util.Arrays.stream(x).map(v -> 1 - v).toArray();
    }

    /** Σ of squared parameters per run, in float64. */
    private static double[] squareSums(NDList params) {
        double[] total = new double[(int) Runs.runs(params.head())];
        for (NDArray w : params) {
            double[] each = Runs.squareSums(w);
            for (int r = 0; r < total.length; r++) {
                total[r] += each[r];
            }
        }
        return total;
    }

    private static double scalar(NDList saved, String name, double absent) {
        return saved.contains(name) ? saved.get(name).toType(DataType.FLOAT64, false).toDoubleArray()[0] : absent;
    }

    private static NDArray scalar(NDManager manager, String name, double value) {
        return named(manager.create(new double[] {value}), name);
    }

    /** The parameters as rows: [R, Σ sizes]. */
    private static NDArray flatten(NDList params) {
        long n = Runs.runs(params.head());
        NDList flat = new NDList(params.size());
        params.forEach(w -> flat.add(w.reshape(n, -1)));
        return NDArrays.concat(flat, 1);
    }

    private static NDArray named(NDArray x, String name) {
        x.setName(name);
        return x;
    }
}
