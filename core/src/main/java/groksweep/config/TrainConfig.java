package groksweep.config;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that decides what one run computes. The record's components are the single list of
 * trainer options: the CLI flags ({@code --train-fraction}), the sweep spec keys
 * ({@code train_fraction}) and the columns of the {@code runs} table are all derived from them.
 *
 * <p>Defaults follow Nanda et al. (2023) unless a reason is given next to them.
 */
public record TrainConfig(
        int modulus,
        double trainFraction,
        double weightDecay,
        long seed,
        long dataSeed,
        long initSeed,
        int steps,
        double lr,
        double beta1,
        double beta2,
        double eps,
        int warmupSteps,
        int dModel,
        int nHeads,
        int dHead,
        int dMlp,
        String dtype,
        int evalEvery,
        int analysisEvery,
        int keyFreqMinNeurons,
        int stopAfterGrok,
        String optimizer,
        double momentum,
        String grokfast,
        double grokfastAlpha,
        double grokfastLambda,
        int grokfastWindow,
        String loss,
        String lossDtype,
        boolean orthogonalGrad,
        double initScale,
        double fixedWeightNorm,
        String operation,
        double attnCoeff,
        String model,
        int nLayers,
        String activation,
        String mlpInput) implements java.io.Serializable {

    /**
     * Options added after 0.1.0, each with its neutral default: the value that reproduces what runs
     * did before the option existed, which is also its default. {@link #runId} leaves an option at
     * its neutral default out of the hash, so adding an option never changes the id of an existing
     * run. Every new option must be listed here, and its value never changed afterwards; its
     * {@code runs} column is nullable (runs written before it lack it).
     */
    public static final Map<String, Object> NEUTRAL = Map.ofEntries(
            Map.entry("optimizer", "adamw"),
            Map.entry("momentum", 0.9), // the usual SGD momentum; torch's own default, 0, is plain SGD
            Map.entry("grokfast", "none"),
            Map.entry("grokfast_alpha", 0.98), // Lee et al.'s default and their modular-arithmetic value
            Map.entry("grokfast_lambda", 2.0), // idem for the EMA filter (their MA examples use 5)
            Map.entry("grokfast_window", 100), // Lee et al.'s default MA window
            Map.entry("loss", "softmax"),
            Map.entry("loss_dtype", "float64"), // the paper's: logits cast to float64 before the log-softmax
            Map.entry("orthogonal_grad", false),
            Map.entry("init_scale", 1.0),
            Map.entry("fixed_weight_norm", 0.0),
            Map.entry("operation", "add"),
            Map.entry("attn_coeff", 1.0),
            Map.entry("model", "transformer"),
            Map.entry("n_layers", 1),
            Map.entry("activation", "relu"),
            Map.entry("mlp_input", "concat")); // Gromov (2023) and Liu et al. (2022) concatenate

    /** The paper's run: p = 113, 30% of pairs for training, weight decay 1; later options neutral. */
    private static final TrainConfig DEFAULTS = fromMap(withNeutral(Map.ofEntries(
            Map.entry("modulus", 113),
            Map.entry("train_fraction", 0.3),
            Map.entry("weight_decay", 1.0),
            Map.entry("seed", 0L),
            Map.entry("data_seed", 0L),
            Map.entry("init_seed", 0L),
            Map.entry("steps", 20_000), // long enough for p = 113 at fraction 0.3 to grok (~10k steps) and clean up
            Map.entry("lr", 1e-3),
            Map.entry("beta1", 0.9),
            Map.entry("beta2", 0.98),
            Map.entry("eps", 1e-8),
            Map.entry("warmup_steps", 10),
            Map.entry("d_model", 128),
            Map.entry("n_heads", 4),
            Map.entry("d_head", 32),
            Map.entry("d_mlp", 512),
            Map.entry("dtype", "float32"),
            Map.entry("eval_every", 10), // resolves onsets finely and costs < 10% of a run
            Map.entry("analysis_every", 100), // the progress measures cost about one forward on all p² pairs
            Map.entry("key_freq_min_neurons", 5), // 1% of d_mlp, so a handful of clean neurons make a frequency key
            Map.entry("stop_after_grok", -1)))); // never stop early unless asked

    private static Map<String, Object> withNeutral(Map<String, Object> options) {
        Map<String, Object> all = new LinkedHashMap<>(options);
        all.putAll(NEUTRAL);
        return all;
    }

    public static TrainConfig defaults() {
        return DEFAULTS;
    }

    /** What each option means, for --help, the sweep spec reference and the README. */
    public static final Map<String, String> DOCS = Map.ofEntries(
            Map.entry("modulus", "p: the model learns a + b mod p"),
            Map.entry("train_fraction", "share of the p² pairs used for training"),
            Map.entry("weight_decay", "weight decay on every parameter: decoupled with adamw, added to the gradient (L2) with adam and sgd"),
            Map.entry("seed", "seed for both the data split and the initial parameters"),
            Map.entry("data_seed", "seed of the train/test split (default: seed)"),
            Map.entry("init_seed", "seed of the initial parameters (default: seed)"),
            Map.entry("steps", "training steps (full-batch updates)"),
            Map.entry("lr", "learning rate after warm-up"),
            Map.entry("beta1", "Adam(W) β1: decay of the running mean of gradients"),
            Map.entry("beta2", "Adam(W) β2: decay of the running mean of squared gradients"),
            Map.entry("eps", "Adam(W) eps, added to the bias-corrected √v as in torch"),
            Map.entry("warmup_steps", "linear warm-up: update t uses lr·min((t−1)/warmup, 1)"),
            Map.entry("d_model", "residual stream width D"),
            Map.entry("n_heads", "attention heads H"),
            Map.entry("d_head", "width of each head K (default: d_model / n_heads)"),
            Map.entry("d_mlp", "MLP width M"),
            Map.entry("dtype", "float32 or float64 for parameters and activations"),
            Map.entry("eval_every", "measure train/test loss and accuracy every N steps (and at the end)"),
            Map.entry("analysis_every", "progress measures every N steps and at the end (0: only at the end)"),
            Map.entry("key_freq_min_neurons", "clean neurons a frequency needs to be key (default: 1 in 100 of d_mlp)"),
            Map.entry("stop_after_grok", "stop N steps after test accuracy reached 0.99 and stayed (-1: never)"),
            Map.entry("optimizer", "adamw (decoupled decay, torch.optim.AdamW), adam (decay added to the gradient, "
                    + "torch.optim.Adam) or sgd (torch.optim.SGD with momentum; decay added to the gradient)"),
            Map.entry("momentum", "SGD momentum (optimizer sgd only)"),
            Map.entry("grokfast", "Grokfast gradient filter before the optimizer (Lee et al. 2024): none, "
                    + "ema (g + λ·EMA_α(g)) or ma (g + λ·mean of the last grokfast_window gradients)"),
            Map.entry("grokfast_alpha", "Grokfast EMA decay α: ema ← α·ema + (1 − α)·g (grokfast ema only)"),
            Map.entry("grokfast_lambda", "Grokfast amplification λ of the filtered gradient (grokfast ema or ma)"),
            Map.entry("grokfast_window", "Grokfast MA window in steps; no filter until it is full (grokfast ma only)"),
            Map.entry("loss", "softmax (cross-entropy) or stablemax (Prieto et al. 2025's StableMax cross-entropy)"),
            Map.entry("loss_dtype", "precision of the loss: float64 (logits cast up, as Nanda et al.) or float32 "
                    + "(where softmax collapse zeroes gradients, Prieto et al. 2025)"),
            Map.entry("orthogonal_grad", "⊥Grad (Prieto et al. 2025): remove each tensor's gradient component "
                    + "along its weights before the optimizer; with adamw this is ⊥AdamW"),
            Map.entry("init_scale", "multiply the freshly initialised parameters by α (Omnigrok, Liu et al. 2023; "
                    + "not those of --init)"),
            Map.entry("fixed_weight_norm", "after each update rescale all parameters to this × their initial "
                    + "total L2 norm (Omnigrok's constrained norm; 0: off)"),
            Map.entry("operation", "what a ∘ b mod p the model learns: " + String.join(", ", Operation.keys())
                    + " (README: Operations)"),
            Map.entry("attn_coeff", "attention rate α (Zhong et al. 2023): attention = α·softmax(scores) + (1 − α) on "
                    + "every visible position; 1: the standard model, 0: constant attention"),
            Map.entry("model", "transformer (Nanda et al.'s, n_layers blocks) or mlp (embedding, one hidden layer "
                    + "of width d_mlp, unembedding; Gromov 2023, Liu et al. 2022)"),
            Map.entry("n_layers", "transformer blocks, 1–4 (transformer only)"),
            Map.entry("activation", "the MLP's nonlinearity: relu, gelu (exact, erf) or quadratic (x², Gromov 2023)"),
            Map.entry("mlp_input", "how the mlp model combines the embeddings of a and b: concat [E_a, E_b] or "
                    + "sum E_a + E_b (mlp only)"));

    /** The options in declaration order with their current values, keyed by snake_case name. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (RecordComponent c : getClass().getRecordComponents()) {
            try {
                map.put(snake(c.getName()), c.getAccessor().invoke(this));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return map;
    }

    /** The option names, snake_case, in declaration order. */
    public static List<String> keys() {
        return Arrays.stream(TrainConfig.class.getRecordComponents())
                .map(c -> snake(c.getName()))
                .toList();
    }

    /** The Java type of option {@code key}: int, long, double, boolean or String. */
    public static Class<?> typeOf(String key) {
        for (RecordComponent c : TrainConfig.class.getRecordComponents()) {
            if (snake(c.getName()).equals(key)) {
                return c.getType();
            }
        }
        throw new ConfigException(key, null, "one of " + keys());
    }

    /** This config with one option replaced; see {@link #with(Map)}. */
    public TrainConfig with(String key, Object value) {
        return with(Map.of(key, value));
    }

    /**
     * This config with the given options replaced. Values may be any {@link Number}, a String for
     * the options that name a choice, or a Boolean (or "true"/"false"); an unknown key or a value of the wrong kind is a {@link ConfigException}.
     * Setting {@code seed} alone also moves {@code data_seed} and {@code init_seed}.
     */
    public TrainConfig with(Map<String, ?> changes) {
        Map<String, Object> values = toMap();
        for (Map.Entry<String, ?> e : changes.entrySet()) {
            values.put(e.getKey(), coerce(e.getKey(), e.getValue(), typeOf(e.getKey())));
        }
        // Options whose default derives from another follow it unless given themselves.
        follow(values, changes, "seed", "data_seed", seed -> seed);
        follow(values, changes, "seed", "init_seed", seed -> seed);
        follow(values, changes, "d_mlp", "key_freq_min_neurons", m -> Math.max(1, (int) m / 100));
        follow(values, changes, "d_model", "d_head", d -> (int) d / (int) values.get("n_heads"));
        follow(values, changes, "n_heads", "d_head", h -> (int) values.get("d_model") / Math.max(1, (int) h));
        return fromMap(values);
    }

    /** Named construction: every option by its snake_case key, each of its exact Java type. */
    private static TrainConfig fromMap(Map<String, Object> values) {
        RecordComponent[] components = TrainConfig.class.getRecordComponents();
        if (values.size() != components.length) {
            throw new IllegalStateException("options " + values.keySet() + " do not match " + keys());
        }
        Object[] args = Arrays.stream(components).map(c -> values.get(snake(c.getName()))).toArray();
        try {
            return (TrainConfig)
                    TrainConfig.class
                            .getDeclaredConstructor(
                                    Arrays.stream(TrainConfig.class.getRecordComponents())
                                            .map(RecordComponent::getType)
                                            .toArray(Class<?>[]::new))
                            .newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void follow(Map<String, Object> values, Map<String, ?> changes, String source, String target,
            java.util.function.Function<Object, Object> derive) {
        if (changes.containsKey(source) && !changes.containsKey(target)) {
            values.put(target, derive.apply(values.get(source)));
        }
    }

    /** Checks every option's range; throws on the first that is out of range. */
    public TrainConfig validate() {
        require(modulus >= 3 && modulus <= MAX_MODULUS, "modulus", modulus,
                "an integer from 3 to " + MAX_MODULUS + " (p² pairs are indexed by a 32-bit integer)");
        require(Operation.keys().contains(operation), "operation", operation, "one of " + String.join(", ", Operation.keys()));
        require(!op().needsPrime() || java.math.BigInteger.valueOf(modulus).isProbablePrime(30), "modulus", modulus,
                "a prime with operation " + operation + " (b⁻¹ mod p and the group Z_p* exist only for prime p)");
        require(trainFraction > 0 && trainFraction < 1, "train_fraction", trainFraction, "a number in (0, 1)");
        long pairs = op().pairs(modulus);
        require(trainPairs() >= 1 && trainPairs() < pairs,
                "train_fraction", trainFraction, "a fraction leaving at least one train and one test pair");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weight_decay", weightDecay, "a number ≥ 0");
        require(steps > 0, "steps", steps, "an integer > 0");
        require(lr > 0 && Double.isFinite(lr), "lr", lr, "a number > 0");
        require(beta1 >= 0 && beta1 < 1, "beta1", beta1, "a number in [0, 1)");
        require(beta2 >= 0 && beta2 < 1, "beta2", beta2, "a number in [0, 1)");
        require(eps > 0, "eps", eps, "a number > 0");
        require(warmupSteps >= 0, "warmup_steps", warmupSteps, "an integer ≥ 0");
        require(dModel > 0, "d_model", dModel, "an integer > 0");
        require(nHeads > 0, "n_heads", nHeads, "an integer > 0");
        require(dHead > 0, "d_head", dHead, "an integer > 0");
        require(dMlp > 0, "d_mlp", dMlp, "an integer > 0");
        require(dtype.equals("float32") || dtype.equals("float64"), "dtype", dtype, "float32 or float64");
        require(evalEvery > 0, "eval_every", evalEvery, "an integer > 0");
        require(analysisEvery >= 0, "analysis_every", analysisEvery, "an integer ≥ 0 (0 = only at the end)");
        require(keyFreqMinNeurons > 0, "key_freq_min_neurons", keyFreqMinNeurons, "an integer > 0");
        require(stopAfterGrok >= -1, "stop_after_grok", stopAfterGrok, "an integer ≥ 0, or -1 for never");
        require(List.of("adamw", "adam", "sgd").contains(optimizer), "optimizer", optimizer, "adamw, adam or sgd");
        require(momentum >= 0 && momentum < 1, "momentum", momentum, "a number in [0, 1)");
        onlyWith("momentum", momentum, "optimizer: sgd", optimizer.equals("sgd"));
        require(List.of("none", "ema", "ma").contains(grokfast), "grokfast", grokfast, "none, ema or ma");
        require(grokfastAlpha >= 0 && grokfastAlpha < 1, "grokfast_alpha", grokfastAlpha, "a number in [0, 1)");
        onlyWith("grokfast_alpha", grokfastAlpha, "grokfast: ema", grokfast.equals("ema"));
        require(grokfastLambda >= 0 && Double.isFinite(grokfastLambda), "grokfast_lambda", grokfastLambda, "a number ≥ 0");
        onlyWith("grokfast_lambda", grokfastLambda, "grokfast: ema or ma", !grokfast.equals("none"));
        require(grokfastWindow >= 1 && grokfastWindow <= MAX_GROKFAST_WINDOW, "grokfast_window", grokfastWindow,
                "an integer from 1 to " + MAX_GROKFAST_WINDOW + " (the window holds that many gradients)");
        onlyWith("grokfast_window", grokfastWindow, "grokfast: ma", grokfast.equals("ma"));
        require(List.of("softmax", "stablemax").contains(loss), "loss", loss, "softmax or stablemax");
        require(lossDtype.equals("float32") || lossDtype.equals("float64"), "loss_dtype", lossDtype, "float32 or float64");
        require(lossDtype.equals("float64") || dtype.equals("float32"), "loss_dtype", lossDtype,
                "float64 when dtype is float64 (the loss is never narrower than the model)");
        require(initScale > 0 && Double.isFinite(initScale), "init_scale", initScale, "a number > 0");
        require(attnCoeff >= 0 && attnCoeff <= 1, "attn_coeff", attnCoeff, "a number in [0, 1]");
        require(List.of("transformer", "mlp").contains(model), "model", model, "transformer or mlp");
        require(nLayers >= 1 && nLayers <= MAX_LAYERS, "n_layers", nLayers, "an integer from 1 to " + MAX_LAYERS);
        onlyWith("n_layers", nLayers, "model: transformer", model.equals("transformer"));
        onlyWith("attn_coeff", attnCoeff, "model: transformer", model.equals("transformer"));
        require(List.of("relu", "gelu", "quadratic").contains(activation), "activation", activation,
                "relu, gelu or quadratic");
        require(List.of("concat", "sum").contains(mlpInput), "mlp_input", mlpInput, "concat or sum");
        onlyWith("mlp_input", mlpInput, "model: mlp", model.equals("mlp"));
        require(fixedWeightNorm >= 0 && Double.isFinite(fixedWeightNorm), "fixed_weight_norm", fixedWeightNorm,
                "a number ≥ 0 (0: off)");
        return this;
    }

    /**
     * Number of training pairs: the first ⌊frac·pairs⌋ of the shuffled pairs. For p² pairs it is
     * computed as 0.1.0 did, (frac·p)·p in double (no int overflow), so that every split stays the same.
     */
    public int trainPairs() {
        return operation.equals("div") ? (int) Math.floor(trainFraction * op().pairs(modulus))
                : (int) Math.floor(trainFraction * modulus * modulus);
    }

    /** The {@link Operation} named by {@code operation}. */
    public Operation op() {
        return Operation.of(operation);
    }

    /** The largest p whose p² pairs an int indexes. */
    public static final int MAX_MODULUS = 46_340;

    /**
     * The run's identity, and the key of its results: the first 16 hex digits of SHA-256 over the
     * lines {@code key=value}, sorted by key, of every option except those added after 0.1.0 that
     * are at their neutral default ({@link #NEUTRAL}). So the same options give the same id in any
     * sweep, whatever their order in a spec, and adding an option leaves every existing id as it was.
     */
    public String runId() {
        StringBuilder canonical = new StringBuilder();
        toMap().entrySet().stream()
                .filter(e -> !e.getValue().equals(NEUTRAL.get(e.getKey())))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> canonical.append(e.getKey()).append('=').append(e.getValue()).append('\n'));
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The options that fix the shape of a run's tensors or the computation its step runs: runs
     * that agree on all of them can train together as one model with a run axis (a pack). Every
     * other option is a per-run value (seeds, lr, weight decay, betas, eps, warm-up, momentum,
     * Grokfast α and λ, init scale, the constrained norm, steps, early stop, eval and analysis
     * intervals), so a pack can hold any mix of them.
     */
    public static final List<String> SHARED = List.of("modulus", "operation", "train_fraction", "model", "n_layers",
            "d_model", "n_heads", "d_head", "d_mlp", "mlp_input", "activation", "attn_coeff", "dtype", "loss", "loss_dtype",
            "optimizer", "grokfast", "grokfast_window", "orthogonal_grad");

    /** What runs must share to train in one pack: the values of {@link #SHARED}. */
    public String packKey() {
        Map<String, Object> all = toMap();
        StringBuilder key = new StringBuilder();
        for (String option : SHARED) {
            key.append(option).append('=').append(all.get(option)).append(' ');
        }
        return key.toString().strip();
    }

    public static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
    }

    /** Deepest transformer: the range, and what the reference replays. */
    public static final int MAX_LAYERS = 4;

    /** The longest Grokfast MA window: 1,000 gradients of a Nanda-size model are ~0.9 GB in float32. */
    public static final int MAX_GROKFAST_WINDOW = 1_000;

    /** An option that means something only with another setting must keep its default without it. */
    private static void onlyWith(String key, Object value, String setting, boolean given) {
        require(given || value.equals(NEUTRAL.get(key)), key, value,
                "its default " + NEUTRAL.get(key) + " unless " + setting + " (it has no effect otherwise)");
    }

    private static void require(boolean ok, String key, Object value, String allowed) {
        if (!ok) {
            throw new ConfigException(key, value, allowed);
        }
    }

    private static Object coerce(String key, Object value, Class<?> type) {
        if (type == String.class) {
            if (value instanceof String s) {
                return s;
            }
            throw new ConfigException(key, value, "a string");
        }
        if (type == boolean.class) {
            if (value instanceof Boolean b) {
                return b;
            }
            if (value instanceof String s && (s.equals("true") || s.equals("false"))) {
                return Boolean.valueOf(s);
            }
            throw new ConfigException(key, value, "true or false");
        }
        if (value instanceof Float f) {
            value = f.doubleValue();
        }
        if (!(value instanceof Number n)) {
            throw new ConfigException(key, value, "a number");
        }
        if (type == double.class) {
            return n.doubleValue();
        }
        boolean whole = value instanceof Integer || value instanceof Long
                || (value instanceof Double d && d == Math.rint(d) && !d.isInfinite());
        if (!whole) {
            throw new ConfigException(key, value, "a whole number");
        }
        long v = n.longValue();
        if (type == int.class) {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new ConfigException(key, value, "a 32-bit integer");
            }
            return (int) v;
        }
        return v;
    }
}
