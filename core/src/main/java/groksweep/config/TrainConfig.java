package groksweep.config;

import groksweep.groups.FiniteGroup;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything that decides what one run computes: a value for each trainer option. Each option is
 * declared once, below, as an {@link Option} with its default, documentation, allowed values,
 * neutral value and packing; the CLI flags ({@code --train-fraction}), the sweep spec keys
 * ({@code train_fraction}), the columns of the {@code runs} table, the option table in docs/REFERENCE.md,
 * validation, run identity and the pack key are all derived from these declarations, in their
 * order. CONTRIBUTING.md says how to add one.
 *
 * <p>Defaults follow Nanda et al. (2023) unless a reason is given next to them.
 */
public final class TrainConfig implements java.io.Serializable {

    /** The largest p whose p² pairs an int indexes. */
    public static final int MAX_MODULUS = 46_340;

    /** Deepest transformer: what the reference replays. */
    public static final int MAX_LAYERS = 4;

    /** The longest Grokfast MA window: 1,000 gradients of a Nanda-size model are ~0.9 GB in float32. */
    public static final int MAX_GROKFAST_WINDOW = 1_000;

    public static final Option<Integer> MODULUS = Option.integer("modulus", 113, "p: the model learns a + b mod p")
            .check(p -> p >= 3 && p <= MAX_MODULUS,
                    "an integer from 3 to " + MAX_MODULUS + " (p² pairs are indexed by a 32-bit integer)")
            .check((p, c) -> !c.op().needsPrime() || !c.group().equals("none") || java.math.BigInteger.valueOf(p).isProbablePrime(30),
                    c -> "a prime with operation " + c.operation() + " (b⁻¹ mod p and the group Z_p* exist only for prime p)")
            .follows("group", v -> FiniteGroup.valid((String) v.get("group")) ? FiniteGroup.of((String) v.get("group")).order()
                    : (int) v.get("modulus")) // none, or a name the group option's own check refuses
            .check((p, c) -> c.group().equals("none") || p == c.finiteGroup().order(),
                    c -> c.finiteGroup().order() + ", the order of group " + c.group() + ": with a group, leave modulus out")
            .shared();
    public static final Option<Double> TRAIN_FRACTION = Option.number("train_fraction", 0.3,
                    "share of the p² pairs used for training")
            .check(f -> f > 0 && f < 1, "a number in (0, 1)")
            .check((f, c) -> c.trainPairs() >= 1 && c.trainPairs() < c.op().pairs(c.modulus()),
                    c -> "a fraction leaving at least one train and one test pair")
            .shared();
    public static final Option<Double> WEIGHT_DECAY = Option.number("weight_decay", 1.0,
                    "weight decay on every parameter: decoupled with adamw, added to the gradient (L2) with adam and sgd")
            .check(w -> w >= 0 && Double.isFinite(w), "a number ≥ 0").perRun();
    public static final Option<Long> SEED = Option.whole("seed", 0L,
            "seed for both the data split and the initial parameters").perRun();
    public static final Option<Long> DATA_SEED = Option.whole("data_seed", 0L, "seed of the train/test split (default: seed)")
            .follows("seed", v -> (Long) v.get("seed")).perRun();
    public static final Option<Long> INIT_SEED = Option.whole("init_seed", 0L,
                    "seed of the initial parameters (default: seed)")
            .follows("seed", v -> (Long) v.get("seed")).perRun();
    public static final Option<Integer> STEPS = Option.integer("steps", 20_000, // long enough for p = 113 at fraction 0.3 to grok (~10k steps) and clean up
                    "training steps (updates, each of the full batch or of one mini-batch)")
            .check(s -> s > 0, "an integer > 0").perRun();
    public static final Option<Double> LR = Option.number("lr", 1e-3, "learning rate after warm-up")
            .check(lr -> lr > 0 && Double.isFinite(lr), "a number > 0").perRun();
    public static final Option<Double> BETA1 = Option.number("beta1", 0.9,
                    "Adam(W) β1: decay of the running mean of gradients")
            .check(b -> b >= 0 && b < 1, "a number in [0, 1)").perRun();
    public static final Option<Double> BETA2 = Option.number("beta2", 0.98,
                    "Adam(W) β2: decay of the running mean of squared gradients")
            .check(b -> b >= 0 && b < 1, "a number in [0, 1)").perRun();
    public static final Option<Double> EPS = Option.number("eps", 1e-8, "Adam(W) eps, added to the bias-corrected √v as in torch")
            .check(e -> e > 0, "a number > 0").perRun();
    public static final Option<Integer> WARMUP_STEPS = Option.integer("warmup_steps", 10,
                    "linear warm-up: update t uses lr·min((t−1)/warmup, 1)")
            .check(w -> w >= 0, "an integer ≥ 0").perRun();
    public static final Option<Integer> D_MODEL = Option.integer("d_model", 128, "residual stream width D")
            .check(d -> d > 0, "an integer > 0").shared();
    public static final Option<Integer> N_HEADS = Option.integer("n_heads", 4, "attention heads H")
            .check(h -> h > 0, "an integer > 0").shared();
    public static final Option<Integer> D_HEAD = Option.integer("d_head", 32, "width of each head K (default: d_model / n_heads)")
            .follows("d_model", v -> (int) v.get("d_model") / (int) v.get("n_heads"))
            .follows("n_heads", v -> (int) v.get("d_model") / Math.max(1, (int) v.get("n_heads")))
            .check(k -> k > 0, "an integer > 0").shared();
    public static final Option<Integer> D_MLP = Option.integer("d_mlp", 512, "MLP width M")
            .check(m -> m > 0, "an integer > 0").shared();
    public static final Option<String> DTYPE = Option.choice("dtype", "float32", List.of("float32", "float64"),
            "float32 or float64", "float32 or float64 for parameters and activations").shared();
    public static final Option<Integer> EVAL_EVERY = Option.integer("eval_every", 10, // resolves onsets finely and costs < 10% of a run
                    "measure train/test loss and accuracy every N steps (and at the end)")
            .check(e -> e > 0, "an integer > 0").perRun();
    public static final Option<Integer> ANALYSIS_EVERY = Option.integer("analysis_every", 100, // the measures cost about one forward on all p² pairs
                    "progress measures every N steps and at the end (0: only at the end)")
            .check(a -> a >= 0, "an integer ≥ 0 (0 = only at the end)").perRun();
    public static final Option<Integer> KEY_FREQ_MIN_NEURONS = Option.integer("key_freq_min_neurons", 5, // 1% of d_mlp, so a handful of clean neurons make a frequency key
                    "clean neurons a frequency needs to be key (default: 1 in 100 of d_mlp)")
            .follows("d_mlp", v -> Math.max(1, (int) v.get("d_mlp") / 100))
            .check(k -> k > 0, "an integer > 0").perRun();
    public static final Option<Integer> STOP_AFTER_GROK = Option.integer("stop_after_grok", -1, // never stop early unless asked
                    "stop N steps after test accuracy reached 0.99 and stayed (-1: never)")
            .check(s -> s >= -1, "an integer ≥ 0, or -1 for never").perRun();
    public static final Option<String> OPTIMIZER = Option.choice("optimizer", "adamw", List.of("adamw", "adam", "sgd", "muon"),
            "adamw, adam, sgd or muon", "adamw (decoupled decay, torch.optim.AdamW), adam (decay added to the gradient, "
                    + "torch.optim.Adam), sgd (torch.optim.SGD with momentum; decay added to the gradient) or muon "
                    + "(Jordan et al.'s Muon on the hidden weight matrices, AdamW on every other tensor)")
            .neutral().shared();
    public static final Option<Double> MOMENTUM = Option.number("momentum", 0.9, // the usual SGD momentum; torch's own default, 0, is plain SGD
                    "SGD momentum (optimizer sgd only)")
            .check(m -> m >= 0 && m < 1, "a number in [0, 1)").onlyWith("optimizer", "sgd").neutral().perRun();
    public static final Option<Double> MUON_LR = Option.number("muon_lr", 0.02, // Jordan et al.'s default
                    "Muon's learning rate for the hidden weight matrices, with lr's warm-up (optimizer muon only)")
            .check(lr -> lr > 0 && Double.isFinite(lr), "a number > 0").onlyWith("optimizer", "muon").neutral().perRun();
    public static final Option<Double> MUON_MOMENTUM = Option.number("muon_momentum", 0.95, // idem
                    "Muon's momentum β: buffer ← β·buffer + (1 − β)·g (optimizer muon only)")
            .check(m -> m >= 0 && m < 1, "a number in [0, 1)").onlyWith("optimizer", "muon").neutral().perRun();
    public static final Option<Boolean> MUON_NESTEROV = Option.flag("muon_nesterov", true, // idem
            "Muon orthogonalises (1 − β)·g + β·buffer (Nesterov) rather than the buffer (optimizer muon only)")
            .onlyWith("optimizer", "muon").neutral().shared();
    public static final Option<Integer> MUON_NS_STEPS = Option.integer("muon_ns_steps", 5, // idem
                    "Newton–Schulz iterations that orthogonalise each matrix's update (optimizer muon only)")
            .check(n -> n >= 1 && n <= 20, "an integer from 1 to 20").onlyWith("optimizer", "muon").neutral().shared();
    public static final Option<String> GROKFAST = Option.choice("grokfast", "none", List.of("none", "ema", "ma"),
            "none, ema or ma", "Grokfast gradient filter before the optimizer (Lee et al. 2024): none, "
                    + "ema (g + λ·EMA_α(g)) or ma (g + λ·mean of the last grokfast_window gradients)")
            .neutral().shared();
    public static final Option<Double> GROKFAST_ALPHA = Option.number("grokfast_alpha", 0.98, // Lee et al.'s default and their modular-arithmetic value
                    "Grokfast EMA decay α: ema ← α·ema + (1 − α)·g (grokfast ema only)")
            .check(a -> a >= 0 && a < 1, "a number in [0, 1)").onlyWith("grokfast", "ema").neutral().perRun();
    public static final Option<Double> GROKFAST_LAMBDA = Option.number("grokfast_lambda", 2.0, // idem for the EMA filter (their MA examples use 5)
                    "Grokfast amplification λ of the filtered gradient (grokfast ema or ma)")
            .check(l -> l >= 0 && Double.isFinite(l), "a number ≥ 0").onlyWith("grokfast", "ema", "ma").neutral().perRun();
    public static final Option<Integer> GROKFAST_WINDOW = Option.integer("grokfast_window", 100, // Lee et al.'s default MA window
                    "Grokfast MA window in steps; no filter until it is full (grokfast ma only)")
            .check(w -> w >= 1 && w <= MAX_GROKFAST_WINDOW,
                    "an integer from 1 to " + MAX_GROKFAST_WINDOW + " (the window holds that many gradients)")
            .onlyWith("grokfast", "ma").neutral().shared();
    public static final Option<String> LOSS = Option.choice("loss", "softmax", List.of("softmax", "stablemax", "mse"),
            "softmax, stablemax or mse", "softmax (cross-entropy), stablemax (Prieto et al. 2025's StableMax "
                    + "cross-entropy) or mse (mean squared error of the logits against one-hot targets, over all "
                    + "V outputs, as Doshi et al. 2024's F.mse_loss)")
            .neutral().shared();
    public static final Option<String> LOSS_DTYPE = Option.choice("loss_dtype", "float64", List.of("float32", "float64"), // the paper's: logits cast to float64 before the log-softmax
            "float32 or float64", "precision of the loss: float64 (logits cast up, as Nanda et al.) or float32 "
                    + "(where softmax collapse zeroes gradients, Prieto et al. 2025)")
            .check((l, c) -> l.equals("float64") || c.dtype().equals("float32"),
                    c -> "float64 when dtype is float64 (the loss is never narrower than the model)")
            .neutral().shared();
    public static final Option<Boolean> ORTHOGONAL_GRAD = Option.flag("orthogonal_grad", false,
            "⊥Grad (Prieto et al. 2025): remove each tensor's gradient component along its weights before the "
                    + "optimizer; with adamw this is ⊥AdamW").neutral().shared();
    public static final Option<Double> INIT_SCALE = Option.number("init_scale", 1.0,
                    "multiply the freshly initialised parameters by α (Omnigrok, Liu et al. 2023; not those of --init)")
            .check(a -> a > 0 && Double.isFinite(a), "a number > 0").neutral().perRun();
    public static final Option<Double> FIXED_WEIGHT_NORM = Option.number("fixed_weight_norm", 0.0,
                    "after each update rescale all parameters to this × their initial total L2 norm (Omnigrok's "
                            + "constrained norm; 0: off)")
            .check(f -> f >= 0 && Double.isFinite(f), "a number ≥ 0 (0: off)").neutral().perRun();
    public static final Option<String> OPERATION = Option.choice("operation", "add", Operation.keys(),
            "one of " + String.join(", ", Operation.keys()),
            "what a ∘ b mod p the model learns: " + String.join(", ", Operation.keys()) + " (docs/MODELS.md: Operations)")
            .onlyWith("group", "none").neutral().shared();
    public static final Option<Double> ATTN_COEFF = Option.number("attn_coeff", 1.0,
                    "attention rate α (Zhong et al. 2023): attention = α·softmax(scores) + (1 − α) on every visible "
                            + "position; 1: the standard model, 0: constant attention")
            .check(a -> a >= 0 && a <= 1, "a number in [0, 1]").onlyWith("model", "transformer").neutral().shared();
    public static final Option<String> MODEL = Option.choice("model", "transformer", List.of("transformer", "mlp"),
            "transformer or mlp", "transformer (Nanda et al.'s, n_layers blocks) or mlp (embedding, one hidden layer of "
                    + "width d_mlp, unembedding; Gromov 2023, Liu et al. 2022)")
            .neutral().shared();
    public static final Option<Integer> N_LAYERS = Option.integer("n_layers", 1, "transformer blocks, 1–4 (transformer only)")
            .check(n -> n >= 1 && n <= MAX_LAYERS, "an integer from 1 to " + MAX_LAYERS)
            .onlyWith("model", "transformer").neutral().shared();
    public static final Option<String> ACTIVATION = Option.choice("activation", "relu", List.of("relu", "gelu", "quadratic"),
            "relu, gelu or quadratic", "the MLP's nonlinearity: relu, gelu (exact, erf) or quadratic (x², Gromov 2023)")
            .neutral().shared();
    public static final Option<String> MLP_INPUT = Option.choice("mlp_input", "concat", List.of("concat", "sum"), // Gromov (2023) and Liu et al. (2022) concatenate
            "concat or sum", "how the mlp model combines the embeddings of a and b: concat [E_a, E_b] or sum E_a + E_b "
                    + "(mlp only)")
            .onlyWith("model", "mlp").neutral().shared();
    public static final Option<String> GROUP = Option.text("group", "none", // none: a ∘ b mod p, as every run before groups
                    "learn x·y in a finite group instead of a ∘ b mod p: " + FiniteGroup.ALLOWED
                            + "; tokens are its elements (docs/MODELS.md: Groups); none: the modular operation")
            .check(g -> g.equals("none") || FiniteGroup.valid(g), "none, or " + FiniteGroup.ALLOWED)
            .neutral().shared();
    public static final Option<Integer> BATCH_SIZE = Option.integer("batch_size", 0, // 0: full batch, as every run before mini-batches
                    "train pairs per step, a fresh shuffle of them every epoch (from the data seed); 0: full batch")
            .check(b -> b >= 0, "an integer ≥ 0 (0: full batch)")
            .check((b, c) -> b <= c.trainPairs(),
                    c -> "0 (full batch) or an integer from 1 to " + c.trainPairs() + ", the train pairs")
            .neutral().shared();
    public static final Option<Double> LABEL_NOISE = Option.number("label_noise", 0.0, // clean labels, as every run before it
                    "share of the train pairs given a wrong label, drawn from the data seed (Doshi et al. 2024); "
                            + "the test pairs keep theirs")
            .check(n -> n >= 0 && n < 1, "a number in [0, 1)").neutral().perRun();
    public static final Option<Boolean> FLUSH_SUBNORMALS = Option.flag("flush_subnormals", false, // off: results as torch's defaults give them
            "flush subnormal float results to zero on the training thread (torch.set_flush_denormal): strong weight "
                    + "decay or Muon otherwise slow CPU steps many-fold late in a run; Linux")
            .neutral().shared();
    public static final Option<Integer> LLC_EVERY = Option.integer("llc_every", 0, // off: it costs llc_chains × llc_draws forward and backward passes
                    "estimate the local learning coefficient every N steps and at the end (0: off); N a multiple of "
                            + "eval_every")
            .check(n -> n >= 0, "an integer ≥ 0 (0: off)")
            .check((n, c) -> n % c.evalEvery() == 0, c -> "0 or a multiple of eval_every (" + c.evalEvery() + ")")
            .neutral().perRun();
    public static final Option<Double> LLC_LR = Option.number("llc_lr", 5e-4, // devinterp's examples' ε and γ: its grokking notebook's 3e-3 and 5 wander off a transformer
                    "the LLC's SGLD step size ε")
            .check(e -> e > 0 && Double.isFinite(e), "a number > 0").neutral().perRun();
    public static final Option<Double> LLC_LOCALIZATION = Option.number("llc_localization", 100.0, // idem
                    "the LLC's SGLD localisation γ: the pull toward the weights it is measured at")
            .check(g -> g >= 0 && Double.isFinite(g), "a number ≥ 0").neutral().perRun();
    public static final Option<Double> LLC_NBETA = Option.number("llc_nbeta", 0.0, // devinterp's default_nbeta over the train set
                    "the LLC's inverse temperature nβ (0: N / ln N over the N train pairs, devinterp's default)")
            .check(b -> b >= 0 && Double.isFinite(b), "a number ≥ 0 (0: N / ln N)").neutral().perRun();
    public static final Option<Integer> LLC_CHAINS = Option.integer("llc_chains", 10, // devinterp's default
                    "the LLC's SGLD chains")
            .check(n -> n >= 1, "an integer ≥ 1").neutral().perRun();
    public static final Option<Integer> LLC_DRAWS = Option.integer("llc_draws", 100, // devinterp's default
                    "SGLD steps per chain, each a draw of the loss")
            .check(n -> n >= 1, "an integer ≥ 1").neutral().perRun();

    /** Every option, in declaration order: the order of flags, spec keys and runs columns. */
    public static final List<Option<?>> OPTIONS = List.copyOf(Option.DECLARED);

    private static final Map<String, Option<?>> BY_NAME = OPTIONS.stream()
            .collect(Collectors.toMap(o -> o.name, o -> o, (a, b) -> a, LinkedHashMap::new));

    /**
     * Options added after 0.1.0, each with its neutral default: the value that reproduces what runs
     * did before the option existed, which is also its default. {@link #runId} leaves an option at
     * its neutral default out of the hash, so adding an option never changes the id of an existing
     * run; its {@code runs} column is nullable (runs written before it lack it).
     */
    public static final Map<String, Object> NEUTRAL = OPTIONS.stream().filter(o -> o.neutralValue() != null)
            .collect(Collectors.toMap(o -> o.name, Option::neutralValue, (a, b) -> a, LinkedHashMap::new));

    /** What each option means, for --help, the sweep spec reference and docs/REFERENCE.md. */
    public static final Map<String, String> DOCS = OPTIONS.stream()
            .collect(Collectors.toMap(o -> o.name, o -> o.doc, (a, b) -> a, LinkedHashMap::new));

    /**
     * The options that fix the shape of a run's tensors or the computation its step runs: runs
     * that agree on all of them can train together as one model with a run axis (a pack). Every
     * other option is a per-run value, so a pack can hold any mix of them.
     */
    public static final List<String> SHARED = OPTIONS.stream().filter(o -> o.packing() == Option.Packing.SHARED)
            .map(o -> o.name).toList();

    /** The options sorted by name, as a run id hashes them. */
    private static final List<Option<?>> SORTED = OPTIONS.stream()
            .sorted(java.util.Comparator.comparing((Option<?> o) -> o.name)).toList();

    private static final TrainConfig DEFAULTS = new TrainConfig(OPTIONS.stream().map(o -> o.defaultValue).toArray());

    private final Object[] values; // in OPTIONS order, each of its option's type
    private transient String runId; // computed on first use: a sweep of 100,000 runs asks each many times
    private transient String packKey;

    private TrainConfig(Object[] values) {
        this.values = values;
    }

    /** The paper's run: p = 113, 30% of pairs for training, weight decay 1; later options neutral. */
    public static TrainConfig defaults() {
        return DEFAULTS;
    }

    /** The value of {@code option}. */
    public <T> T get(Option<T> option) {
        return option.type.cast(values[option.index]);
    }

    /** The value of the option named {@code key}. */
    public Object value(String key) {
        return values[option(key).index];
    }

    /** The options in declaration order with their current values, keyed by snake_case name. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            map.put(OPTIONS.get(i).name, values[i]);
        }
        return map;
    }

    /** The option names, snake_case, in declaration order. */
    public static List<String> keys() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The option named {@code key}; an unknown one is a {@link ConfigException} listing them. */
    public static Option<?> option(String key) {
        Option<?> o = BY_NAME.get(key);
        if (o == null) {
            throw new ConfigException(key, null, "one of " + keys());
        }
        return o;
    }

    /** The Java type of option {@code key}: Integer, Long, Double, Boolean or String. */
    public static Class<?> typeOf(String key) {
        return option(key).type;
    }

    /** This config with one option replaced; see {@link #with(Map)}. */
    public TrainConfig with(String key, Object value) {
        return with(Map.of(key, value));
    }

    /**
     * This config with the given options replaced. Values may be any {@link Number}, a String for
     * the options that name a choice, or a Boolean (or "true"/"false"); an unknown key or a value of
     * the wrong kind is a {@link ConfigException}. An option whose default follows another (seed's
     * data_seed and init_seed, d_mlp's key_freq_min_neurons, d_head) follows it unless given itself.
     */
    public TrainConfig with(Map<String, ?> changes) {
        Object[] next = values.clone();
        for (Map.Entry<String, ?> e : changes.entrySet()) {
            Option<?> o = option(e.getKey());
            next[o.index] = o.coerce(e.getValue());
        }
        Map<String, Object> view = new java.util.AbstractMap<>() { // what a follower's default is derived from
            @Override
            public Object get(Object key) {
                return next[option((String) key).index];
            }

            @Override
            public Set<Map.Entry<String, Object>> entrySet() {
                return new TrainConfig(next).toMap().entrySet();
            }
        };
        for (Option<?> o : OPTIONS) {
            for (Option.Follow f : o.follows) {
                if (changes.containsKey(f.source()) && !changes.containsKey(o.name)) {
                    next[o.index] = f.derive().apply(view);
                }
            }
        }
        return new TrainConfig(next);
    }

    /** Checks every option's own values, then those that depend on other options; throws on the first broken. */
    public TrainConfig validate() {
        for (boolean relations : new boolean[] {false, true}) {
            for (Option<?> o : OPTIONS) {
                check(o, relations);
            }
        }
        return this;
    }

    private <T> void check(Option<T> o, boolean relations) {
        o.validate(get(o), this, relations);
    }

    /** What runs must share to train in one pack: the values of {@link #SHARED}. */
    public String packKey() {
        if (packKey == null) {
            List<Object> shared = new ArrayList<>(SHARED.size());
            for (String option : SHARED) {
                shared.add(value(option));
            }
            if (PACK_KEYS.size() > 10_000) { // a long-lived driver of many shapes: start afresh rather than grow
                PACK_KEYS.clear();
            }
            packKey = PACK_KEYS.computeIfAbsent(shared, TrainConfig::packKeyOf);
        }
        return packKey;
    }

    /** Pack keys by their values: the runs of a sweep share a few, and 100,000 of them need not format each. */
    private static final Map<List<Object>, String> PACK_KEYS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String packKeyOf(List<Object> shared) {
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < SHARED.size(); i++) {
            key.append(SHARED.get(i)).append('=').append(shared.get(i)).append(' ');
        }
        return key.toString().strip();
    }

    /**
     * Number of training pairs: the first ⌊frac·pairs⌋ of the shuffled pairs. For p² pairs it is
     * computed as 0.1.0 did, (frac·p)·p in double (no int overflow), so that every split stays the same.
     */
    public int trainPairs() {
        return operation().equals("div") ? (int) Math.floor(trainFraction() * op().pairs(modulus()))
                : (int) Math.floor(trainFraction() * modulus() * modulus());
    }

    /** The {@link Operation} named by {@code operation}. */
    public Operation op() {
        return Operation.of(operation());
    }

    /**
     * The run's identity, and the key of its results: the first 16 hex digits of SHA-256 over the
     * lines {@code key=value}, sorted by key, of every option except those added after 0.1.0 that
     * are at their neutral default ({@link #NEUTRAL}). So the same options give the same id in any
     * sweep, whatever their order in a spec, and adding an option leaves every existing id as it was.
     */
    public String runId() {
        if (runId != null) {
            return runId;
        }
        StringBuilder canonical = new StringBuilder();
        for (Option<?> o : SORTED) {
            Object v = values[o.index];
            if (!v.equals(NEUTRAL.get(o.name))) {
                canonical.append(o.name).append('=').append(v).append('\n');
            }
        }
        byte[] hash = SHA256.get().digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
        runId = HexFormat.of().formatHex(hash, 0, 8);
        return runId;
    }

    /** One digest per thread: planning 100,000 runs computes 100,000 ids. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "TrainConfig" + toMap();
    }

    // Typed accessors of the options the code reads by name; a new option needs none (get(OPTION)).

    public int modulus() { return get(MODULUS); }
    public double trainFraction() { return get(TRAIN_FRACTION); }
    public double weightDecay() { return get(WEIGHT_DECAY); }
    public long seed() { return get(SEED); }
    public long dataSeed() { return get(DATA_SEED); }
    public long initSeed() { return get(INIT_SEED); }
    public int steps() { return get(STEPS); }
    public double lr() { return get(LR); }
    public double beta1() { return get(BETA1); }
    public double beta2() { return get(BETA2); }
    public double eps() { return get(EPS); }
    public int warmupSteps() { return get(WARMUP_STEPS); }
    public int dModel() { return get(D_MODEL); }
    public int nHeads() { return get(N_HEADS); }
    public int dHead() { return get(D_HEAD); }
    public int dMlp() { return get(D_MLP); }
    public String dtype() { return get(DTYPE); }
    public int evalEvery() { return get(EVAL_EVERY); }
    public int analysisEvery() { return get(ANALYSIS_EVERY); }
    public int keyFreqMinNeurons() { return get(KEY_FREQ_MIN_NEURONS); }
    public int stopAfterGrok() { return get(STOP_AFTER_GROK); }
    public String optimizer() { return get(OPTIMIZER); }
    public double momentum() { return get(MOMENTUM); }
    public double muonLr() { return get(MUON_LR); }
    public double muonMomentum() { return get(MUON_MOMENTUM); }
    public boolean muonNesterov() { return get(MUON_NESTEROV); }
    public int muonNsSteps() { return get(MUON_NS_STEPS); }
    public String grokfast() { return get(GROKFAST); }
    public double grokfastAlpha() { return get(GROKFAST_ALPHA); }
    public double grokfastLambda() { return get(GROKFAST_LAMBDA); }
    public int grokfastWindow() { return get(GROKFAST_WINDOW); }
    public String loss() { return get(LOSS); }
    public String lossDtype() { return get(LOSS_DTYPE); }
    public boolean orthogonalGrad() { return get(ORTHOGONAL_GRAD); }
    public double initScale() { return get(INIT_SCALE); }
    public double fixedWeightNorm() { return get(FIXED_WEIGHT_NORM); }
    public String operation() { return get(OPERATION); }
    public double attnCoeff() { return get(ATTN_COEFF); }
    public String model() { return get(MODEL); }
    public int nLayers() { return get(N_LAYERS); }
    public String activation() { return get(ACTIVATION); }
    public String mlpInput() { return get(MLP_INPUT); }
    public String group() { return get(GROUP); }
    public int batchSize() { return get(BATCH_SIZE); }
    public double labelNoise() { return get(LABEL_NOISE); }
    public int llcEvery() { return get(LLC_EVERY); }
    public boolean flushSubnormals() { return get(FLUSH_SUBNORMALS); }

    /** The group named by {@code group}, or null when the run learns a ∘ b mod p. */
    public FiniteGroup finiteGroup() {
        return group().equals("none") ? null : FiniteGroup.of(group());
    }

    /**
     * Whether the Fourier progress measures apply: a ∘ b mod p, or a cyclic group (C<n> is a + b
     * mod n, token for token); other groups' irreps are not measured through Z_p's basis.
     */
    public boolean modular() {
        return group().equals("none") || group().startsWith("C");
    }
}
