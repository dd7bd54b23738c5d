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
        DataType type = params.head().getDataType();
        this.state = new NDList(named(manager.zeros(new Shape(r, total), type), "m"),
                named(manager.zeros(new Shape(r, total), type), "v"));
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
        for (String name : List.of("m", "v", "grokfast_ema", "grokfast_window", "grokfast_sum")) {
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
        return c.warmupSteps() == 0 ? c.lr() : c.lr() * Math.min((t - 1) / (double) c.warmupSteps(), 1.0);
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
                default -> throw new IllegalStateException("optimizer " + c.optimizer());
            };
            boolean decoupled = c.optimizer().equals("adamw");
            double[] keep = new double[n];
            java.util.Arrays.setAll(keep, r -> 1 - lr[r] * wd[r]);
            long offset = 0;
            for (NDArray w : params) {
                long size = w.size() / n;
                if (decoupled) {
                    Runs.scalei(w, keep);
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
