package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * One update from the gradients accumulated in the parameters, in four stages, each the authors'
 * own code in effect:
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
 * <p>Gradients, moments and filter state of all parameters live back to back in flat tensors, so
 * an update is a handful of large operations rather than a dozen small ones per parameter. The
 * state is saved and restored by name ({@link #state}), so a resumed run continues bit for bit.
 */
public final class Optimizer {

    private final TrainConfig c;
    private final NDList params;
    private final NDList state; // named tensors: m, v, and the Grokfast state the config needs
    private final NDArray m; // [Σ sizes] first moments (SGD: the momentum buffer)
    private final NDArray v; // [Σ sizes] second moments (unused by SGD)
    private final double targetNorm; // f·‖θ₀‖ of the constrained norm; 0: off
    private int t;
    private double updateNorm;

    /** Fresh state in the parameters' manager; nothing updated yet. */
    public Optimizer(TrainConfig config, NDList params) {
        this(config, params, fresh(config, params));
    }

    private static NDList fresh(TrainConfig c, NDList params) {
        NDManager manager = params.head().getManager();
        long total = params.stream().mapToLong(NDArray::size).sum();
        DataType type = params.head().getDataType();
        NDList s = new NDList(named(manager.zeros(new Shape(total), type), "m"),
                named(manager.zeros(new Shape(total), type), "v"));
        switch (c.grokfast()) {
            case "ema" -> s.add(named(manager.zeros(new Shape(total), type), "grokfast_ema"));
            case "ma" -> {
                s.add(named(manager.zeros(new Shape(c.grokfastWindow(), total), type), "grokfast_window"));
                s.add(named(manager.zeros(new Shape(total), type), "grokfast_sum"));
            }
            default -> {}
        }
        s.add(scalar(manager, "updates", 0));
        s.add(scalar(manager, "update_norm", Double.NaN));
        s.add(scalar(manager, "target_norm", c.fixedWeightNorm() * Math.sqrt(sumSquares(params))));
        return s;
    }

    /** Resumes from the arrays of {@link #state} (a checkpoint's), in the parameters' manager. */
    public Optimizer(TrainConfig config, NDList params, NDList saved) {
        this.c = config;
        this.params = params;
        this.m = saved.get("m");
        this.v = saved.get("v");
        this.state = new NDList(m, v);
        for (String name : List.of("grokfast_ema", "grokfast_window", "grokfast_sum")) {
            if (saved.contains(name)) {
                state.add(saved.get(name));
            }
        }
        this.t = (int) scalar(saved, "updates", 0);
        this.updateNorm = scalar(saved, "update_norm", Double.NaN); // absent in checkpoints of 0.1.0
        this.targetNorm = scalar(saved, "target_norm", 0);
    }

    /** Learning rate of update t (1-based): lr·min((t − 1)/warmup, 1). */
    public static double learningRate(TrainConfig c, int t) {
        return c.warmupSteps() == 0 ? c.lr() : c.lr() * Math.min((t - 1) / (double) c.warmupSteps(), 1.0);
    }

    /**
     * Applies one update from the gradients accumulated in the parameters, then zeroes them.
     * Temporaries live in {@code scope}, which borrows the state for the duration; the caller
     * closes it (the training step's scope). With {@code measure}, {@link #updateNorm} is set to
     * the L2 norm of the change of all parameters (else NaN).
     */
    public void step(NDManager scope, boolean measure) {
        t++;
        double lr = learningRate(c, t);
        scope.tempAttachAll(state);
        try (GradMode noGrad = GradMode.disabled()) {
            NDArray before = measure ? flatten(params) : null; // [Σ sizes]
            NDList grads = new NDList(params.size());
            for (NDArray w : params) {
                NDArray g = JniUtils.getGradient((PtNDArray) w);
                g.attach(scope);
                grads.add(g.reshape(-1));
            }
            NDArray g = grokfast(NDArrays.concat(grads)); // [Σ sizes]
            if (c.orthogonalGrad()) {
                g = orthogonal(g);
            }
            NDArray update = switch (c.optimizer()) { // [Σ sizes], subtracted from the weights
                case "adamw" -> adam(g, lr);
                case "adam" -> adam(g.add(flatten(params).muli(c.weightDecay())), lr);
                case "sgd" -> {
                    m.muli(c.momentum()).addi(g.add(flatten(params).muli(c.weightDecay())));
                    yield m.mul(lr);
                }
                default -> throw new IllegalStateException("optimizer " + c.optimizer());
            };
            boolean decoupled = c.optimizer().equals("adamw");
            long offset = 0;
            for (NDArray w : params) {
                long size = w.size();
                if (decoupled) {
                    w.muli(1 - lr * c.weightDecay());
                }
                w.subi(update.get(offset + ":" + (offset + size)).reshape(w.getShape()));
                JniUtils.zeroGrad((PtNDArray) w);
                offset += size;
            }
            if (c.fixedWeightNorm() > 0) {
                double scale = targetNorm / Math.sqrt(sumSquares(params));
                params.forEach(w -> w.muli(scale));
            }
            updateNorm = measure ? flatten(params).subi(before).norm().toType(DataType.FLOAT64, false).getDouble()
                    : Double.NaN;
        }
    }

    /** Adam's moments and bias-corrected step from gradient {@code g}. */
    private NDArray adam(NDArray g, double lr) {
        double stepSize = lr / (1 - Math.pow(c.beta1(), t));
        double bias2Sqrt = Math.sqrt(1 - Math.pow(c.beta2(), t));
        m.muli(c.beta1()).addi(g.mul(1 - c.beta1()));
        v.muli(c.beta2()).addi(g.square().muli(1 - c.beta2()));
        return m.div(v.sqrt().divi(bias2Sqrt).addi(c.eps())).muli(stepSize);
    }

    /** The Grokfast-filtered gradient, updating the filter's state; g itself when off. */
    private NDArray grokfast(NDArray g) {
        switch (c.grokfast()) {
            case "ema" -> {
                NDArray ema = state.get("grokfast_ema");
                if (t == 1) {
                    ema.addi(g); // starts as the first gradient
                } else {
                    ema.muli(c.grokfastAlpha()).addi(g.mul(1 - c.grokfastAlpha()));
                }
                return g.add(ema.mul(c.grokfastLambda()));
            }
            case "ma" -> {
                // A ring of the last `window` gradients and their running sum.
                NDArray window = state.get("grokfast_window"); // [W, Σ sizes]
                NDArray sum = state.get("grokfast_sum");
                int w = c.grokfastWindow();
                int slot = (t - 1) % w;
                if (t > w) {
                    sum.subi(window.get(slot));
                }
                window.set(new ai.djl.ndarray.index.NDIndex(slot), g);
                sum.addi(g);
                return t >= w ? g.add(sum.mul(c.grokfastLambda() / w)) : g;
            }
            default -> {
                return g;
            }
        }
    }

    /** ⊥Grad: each tensor's slice of {@code g} without its component along the weights, at ‖g‖. */
    private NDArray orthogonal(NDArray g) {
        List<NDArray> out = new ArrayList<>();
        long offset = 0;
        for (NDArray w : params) {
            NDArray wf = w.reshape(-1); // [size]
            NDArray gi = g.get(offset + ":" + (offset + w.size())); // [size]
            NDArray proj = wf.dot(gi).divi(wf.dot(wf).addi(1e-30)); // []
            NDArray perp = gi.sub(wf.mul(proj)); // [size]
            out.add(perp.muli(gi.norm().divi(perp.norm().addi(1e-30))));
            offset += w.size();
        }
        return NDArrays.concat(new NDList(out));
    }

    /** L2 norm of the change made by the last update measured (NaN if it was not measured). */
    public double updateNorm() {
        return updateNorm;
    }

    public int updatesDone() {
        return t;
    }

    /**
     * The state to save, by name, in {@code manager}: m and v (flat, parameters back to back), the
     * Grokfast state the config uses, updates done, the last update norm and the target norm.
     */
    public NDList state(NDManager manager) {
        NDList out = new NDList();
        for (NDArray x : state) {
            NDArray copy = x.duplicate();
            copy.attach(manager);
            out.add(named(copy, x.getName()));
        }
        out.add(scalar(manager, "updates", t));
        out.add(scalar(manager, "update_norm", updateNorm));
        out.add(scalar(manager, "target_norm", targetNorm));
        return out;
    }

    private static double scalar(NDList saved, String name, double absent) {
        return saved.contains(name) ? saved.get(name).toType(DataType.FLOAT64, false).toDoubleArray()[0] : absent;
    }

    private static NDArray scalar(NDManager manager, String name, double value) {
        return named(manager.create(new double[] {value}), name);
    }

    private static NDArray flatten(NDList params) {
        NDList flat = new NDList(params.size());
        params.forEach(w -> flat.add(w.reshape(-1)));
        return NDArrays.concat(flat);
    }

    private static double sumSquares(NDList params) {
        double total = 0;
        for (NDArray w : params) {
            try (NDArray sq = w.toType(DataType.FLOAT64, false).square().sum()) {
                total += sq.getDouble();
            }
        }
        return total;
    }

    private static NDArray named(NDArray x, String name) {
        x.setName(name);
        return x;
    }
}
