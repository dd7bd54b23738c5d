package groksweep.results;

import static groksweep.results.Column.optional;
import static groksweep.results.Column.required;

import groksweep.config.TrainConfig;
import groksweep.results.Column.Type;

import java.util.ArrayList;
import java.util.List;

/**
 * The results schema: the contract between the trainer (writer), the sweep driver and the
 * analysis jobs (readers). Every column is defined here once, with its unit and meaning; the
 * schema section of docs/REFERENCE.md is generated from these definitions.
 */
public final class Tables {
    private Tables() {}

    /** One row per run, written last: a run exists once its runs file does. */
    public static final Table RUNS = new Table("runs",
            "One row per run: its resolved config, how it ended, timing and versions.",
            runColumns());

    /** Metrics every eval_every steps and at the last step. */
    public static final Table METRICS = new Table("metrics",
            "One row per evaluated step. Progress-measure columns are set at analysis steps and null elsewhere.",
            List.of(
                    required("run_id", Type.STRING, "", "the run"),
                    required("step", Type.INT32, "updates", "parameter updates applied before this row was measured"),
                    required("train_loss", Type.DOUBLE, "nats", "the run's loss (options loss, loss_dtype) on the train pairs"),
                    required("train_acc", Type.DOUBLE, "fraction", "accuracy on the train pairs"),
                    required("test_loss", Type.DOUBLE, "nats", "the run's loss on the held-out pairs"),
                    required("test_acc", Type.DOUBLE, "fraction", "accuracy on the held-out pairs"),
                    required("lr", Type.DOUBLE, "", "learning rate of the next update (after warm-up: lr)"),
                    required("weight_sq_sum", Type.DOUBLE, "", "sum of squared parameters, all tensors"),
                    optional("update_norm", Type.DOUBLE, "",
                            "L2 norm of the change of all parameters made by the update before this row (null at step 0)"),
                    optional("grad_weight_cos", Type.DOUBLE, "[-1, 1]",
                            "cosine between the train-loss gradient and the parameters, all tensors flattened: "
                                    + "near -1 when descent only scales the weights up (naive loss minimisation)"),
                    optional("softmax_collapse", Type.DOUBLE, "fraction",
                            "share of train pairs whose float32 softmax has sum exp(x - max x) exactly 1: every class "
                                    + "but the top one rounds away, and a float32 softmax loss has zero gradient there"),
                    optional("restricted_loss", Type.DOUBLE, "nats",
                            "loss on all pairs of the logits projected onto the key frequencies' cos/sin(w_k(a+b)) plus their mean"
                                    + " (a−b for sub; discrete logs for mul, div; null for the polynomials); on a group,"
                                    + " onto the functions f(a·b) with f in the key irreps"),
                    optional("excluded_loss", Type.DOUBLE, "nats",
                            "train loss of the logits with that key-frequency projection removed (null for the polynomials)"),
                    optional("gini_embed", Type.DOUBLE, "[0, 1]", "Gini coefficient of W_E's per-frequency norms"),
                    optional("gini_wl", Type.DOUBLE, "[0, 1]", "Gini coefficient of W_L's per-frequency norms: W_U·W_out (transformer, last block) or W_U (mlp)"),
                    optional("n_key_freqs", Type.INT32, "count", "number of key frequencies (from neuron clusters)"),
                    optional("key_freqs", Type.INT32_LIST, "k in 1..n/2",
                            "key frequencies: k with at least key_freq_min_neurons clean neurons"),
                    optional("key_freqs_embed", Type.INT32_LIST, "k in 1..n/2",
                            "k whose embedding norm is at least half the largest"),
                    optional("distance_irrelevance", Type.DOUBLE, "ratio",
                            "Zhong et al. (2023), add only: mean over a − b of the std over a + b of the correct logit,"
                                    + " over its overall std; near 1 for the clock algorithm, near 0 for the pizza"),
                    optional("gradient_symmetricity", Type.DOUBLE, "[-1, 1]",
                            "Zhong et al. (2023): mean over triples (a, b, c) of the cosine between the gradients of "
                                    + "logit c with respect to the embeddings of a and of b; near 1 for the pizza"),
                    optional("epoch", Type.INT32, "epochs",
                            "whole passes over the train pairs before this row: step with full batches, "
                                    + "step / ⌈N / batch_size⌉ with mini-batches (null in runs before batch_size)"),
                    optional("train_acc_clean", Type.DOUBLE, "fraction",
                            "label_noise > 0: accuracy on the train pairs that keep their label (else null)"),
                    optional("train_acc_corrupted", Type.DOUBLE, "fraction",
                            "label_noise > 0: share of the corrupted train pairs predicted as their wrong label: "
                                    + "memorisation (Doshi et al. 2024)"),
                    optional("corrupted_acc_true", Type.DOUBLE, "fraction",
                            "label_noise > 0: share of the corrupted train pairs predicted as their true label: "
                                    + "the rule overriding the noise"),
                    optional("ipr", Type.DOUBLE, "[1/(⌊V/2⌋+1), 1]",
                            "Doshi et al. (2024): mean over neurons of the inverse participation ratio (r = 2) of |rfft| "
                                    + "of the neuron's W_L column over the outputs 0..V−1; near 1 when each neuron is one "
                                    + "frequency (null on groups other than C<n>)"),
                    optional("llc", Type.DOUBLE, "",
                            "llc_every > 0: the local learning coefficient λ̂ (Lau et al. 2023) at these weights, devinterp's "
                                    + "SGLD estimate on the train set, mean over llc_chains chains (else null)"),
                    optional("llc_std", Type.DOUBLE, "", "its standard deviation over the chains")));

    /** Per-frequency spectra at analysis steps, long format. */
    public static final Table SPECTRA = new Table("spectra",
            "Per-frequency spectra at analysis steps, one row per (step, source, k).",
            List.of(
                    required("run_id", Type.STRING, "", "the run"),
                    required("step", Type.INT32, "updates", "as in metrics"),
                    required("source", Type.STRING, "", "embed (W_E), wl (W_U·W_out) or neurons (cluster sizes)"),
                    required("k", Type.INT32, "1..n/2",
                            "frequency: cos/sin(2πk·x/n) over the operation's group, n = p (Z_p) or p − 1 (Z_p*, x = log_g)"),
                    required("value", Type.DOUBLE, "", "norm on {cos_k, sin_k} for embed and wl; clean neurons for neurons")));

    /** Chughtai et al.'s (2023) per-irrep measures of runs on a group, at analysis steps. */
    public static final Table IRREPS = new Table("irreps",
            "Runs with a group (C<n> included): one row per (step, irrep) at analysis steps, the irreps of the "
                    + "group's real character table (docs/MODELS.md: Groups). Energy shares are of squared norms.",
            List.of(
                    required("run_id", Type.STRING, "", "the run"),
                    required("step", Type.INT32, "updates", "as in metrics"),
                    required("irrep", Type.INT32, "0..",
                            "its place in the character table, 0 the trivial irrep; on C<n>, irrep k is frequency k"),
                    required("name", Type.STRING, "", "e.g. k3 (C<n>), 2a (D<n>), 4a (S<n>)"),
                    required("dim", Type.INT32, "", "dimension of the real representation: d, or 2d for a complex pair"),
                    required("faithful", Type.BOOLEAN, "",
                            "only the identity acts trivially: the irrep alone can carry the composition (S<n>'s sign cannot)"),
                    required("embed", Type.DOUBLE, "fraction", "share of W_E's element rows in the irrep's isotypic component"),
                    required("unembed", Type.DOUBLE, "fraction", "share of W_L's element rows (W_U·W_out, or W_U for mlp) in it"),
                    required("hidden_left", Type.DOUBLE, "fraction",
                            "share of the hidden layer's energy over all pairs (uncentred) that is f(x), f in the irrep"),
                    required("hidden_right", Type.DOUBLE, "fraction", "idem, f(y)"),
                    required("hidden_product", Type.DOUBLE, "fraction", "idem, f(x·y)"),
                    required("logit_similarity", Type.DOUBLE, "[-1, 1]",
                            "mean over pairs of the cosine between the logits over z, centred, and the character ψ(x·y·z⁻¹)"),
                    required("neurons", Type.INT32, "count",
                            "clean neurons: (trivial ⊕ irrep)² holds over 85% of the centred activations' energy"),
                    required("key", Type.BOOLEAN, "",
                            "at least key_freq_min_neurons clean neurons; on C<n>, exactly the key frequencies")));

    public static final List<Table> ALL = List.of(RUNS, METRICS, SPECTRA, IRREPS);

    /** The leaf cells of two-axis searches ({@code cells/<name>-<hash>.parquet}), as {@link #BOUNDARIES} for one axis. */
    public static final Table CELLS = new Table("cells",
            "Sweeps with a two-axis search section: one row per leaf cell of each search's quadtree, rewritten as "
                    + "each of its runs commits; the phase diagram at the resolution reached in each region.",
            List.of(
                    required("sweep", Type.STRING, "", "the spec's name and hash, as sweeps/<name>-<hash>.yaml"),
                    required("search", Type.STRING, "", "the grid combination searched, as in boundaries"),
                    required("x_axis", Type.STRING, "", "the first option searched"),
                    required("y_axis", Type.STRING, "", "the second"),
                    required("outcome", Type.STRING, "", "phase, grokked, memorised or test_loss_below"),
                    required("status", Type.STRING, "", "the search's: resolved, none, unresolved or open"),
                    required("x_lower", Type.DOUBLE, "", "the cell's corners on x_axis"),
                    required("x_upper", Type.DOUBLE, "", ""),
                    required("y_lower", Type.DOUBLE, "", "and on y_axis"),
                    required("y_upper", Type.DOUBLE, "", ""),
                    required("cell", Type.STRING, "",
                            "the outcome its four corners share (a phase, or yes/no); mixed: they differ one lattice "
                                    + "step apart (the boundary runs through it); pending or unresolved (failed corners)"),
                    required("inferred", Type.INT32, "count",
                            "of its four corners, those not trained: each the midpoint of an edge whose two ends agree,"
                                    + " given their outcome"),
                    required("runs", Type.INT32, "count", "committed runs the search used: the trained corners its tree reads"),
                    required("failed", Type.INT32, "count", "of those, runs that failed or timed out")));

    /**
     * The boundaries found by a sweep with a {@code search:} section, one file per spec
     * ({@code boundaries/<name>-<hash>.parquet}), written by the driver after every round. Derived
     * from committed runs alone, never read back by a search: not one of {@link #ALL}.
     */
    public static final Table BOUNDARIES = new Table("boundaries",
            "Sweeps with a search section: one row per boundary found (per search and flip; one row with null "
                    + "bounds when a search found none), rewritten as each of its runs commits.",
            List.of(
                    required("sweep", Type.STRING, "", "the spec's name and hash, as sweeps/<name>-<hash>.yaml"),
                    required("search", Type.STRING, "", "the grid combination searched: its axes' values, e.g. seed=1, weight_decay=1.0"),
                    required("axis", Type.STRING, "", "the option searched"),
                    required("outcome", Type.STRING, "", "grokked, memorised or test_loss_below"),
                    required("status", Type.STRING, "",
                            "resolved (one flip one resolution wide), not_monotone (more than one flip), none (the same "
                                    + "outcome at every point), unresolved (failed runs in the way) or open (still searching)"),
                    required("flips", Type.INT32, "count", "boundaries found; more than 1: the outcome is not monotone on the axis"),
                    optional("flip", Type.INT32, "1..flips", "this boundary's place, lowest first"),
                    optional("lower", Type.DOUBLE, "", "the trained value below the boundary"),
                    optional("upper", Type.DOUBLE, "", "the trained value above it"),
                    optional("outcome_above", Type.BOOLEAN, "", "the outcome at upper (at lower it is the opposite)"),
                    required("runs", Type.INT32, "count", "committed runs the search used, failed ones included"),
                    required("failed", Type.INT32, "count", "of those, runs that failed or timed out (no outcome)"),
                    required("points", Type.STRING, "", "every trained value and its outcome, e.g. 0.1:no 0.5:yes 0.7:failed"),
                    required("run_ids", Type.STRING, "", "the runs used, in the order of points"),
                    optional("from_siblings", Type.BOOLEAN, "",
                            "whether the search began at the points either side of its siblings' median boundary "
                                    + "(searches that differ only in seed), not at the range's ends")));

    /** The tables of progress measures, written at analysis steps beside the metrics. */
    public static final List<Table> MEASURES = List.of(SPECTRA, IRREPS);

    /**
     * Columns that earlier versions wrote and this one no longer does. Readers ignore them; they
     * stay listed so that a name is never reused for another meaning.
     */
    public static final java.util.Map<String, List<String>> RETIRED = java.util.Map.of(
            "runs", List.of(
                    "memorised_step", // 0.1.0; now the onsets view's, from the metrics, with its thresholds
                    "grokked_step")); // 0.1.0; idem

    private static List<Column> runColumns() {
        List<Column> cols = new ArrayList<>();
        cols.add(required("run_id", Type.STRING, "",
                "first 16 hex digits of SHA-256 over the resolved options (docs/DESIGN.md: run identity)"));
        for (String key : TrainConfig.keys()) {
            Class<?> t = TrainConfig.typeOf(key);
            Type type = t == Integer.class ? Type.INT32 : t == Long.class ? Type.INT64
                    : t == Double.class ? Type.DOUBLE : t == Boolean.class ? Type.BOOLEAN : Type.STRING;
            // Options added after 0.1.0 are nullable: runs written before them lack the column.
            cols.add(new Column(key, type, TrainConfig.NEUTRAL.containsKey(key), "",
                    "trainer option --" + key.replace('_', '-')));
        }
        cols.addAll(List.of(
                required("status", Type.STRING, "", "ok, diverged, failed or timeout"),
                required("stop_reason", Type.STRING, "", "steps (ran its budget), grokked (stop_after_grok), diverged, timeout or error"),
                optional("message", Type.STRING, "", "error or divergence detail"),
                required("final_step", Type.INT32, "updates", "step the run ended at: its last metric row, or for a timeout the step it stopped before measuring"),
                optional("final_train_loss", Type.DOUBLE, "nats", "train loss at final_step"),
                optional("final_train_acc", Type.DOUBLE, "fraction", "train accuracy at final_step"),
                optional("final_test_loss", Type.DOUBLE, "nats", "test loss at final_step"),
                optional("final_test_acc", Type.DOUBLE, "fraction", "test accuracy at final_step"),
                required("wall_seconds", Type.DOUBLE, "s", "training time, model set-up to last metric"),
                required("ms_per_step", Type.DOUBLE, "ms", "wall_seconds per update, evaluation included"),
                required("threads", Type.INT32, "", "libtorch intra-op threads"),
                required("resumed_from_step", Type.INT32, "updates", "checkpoint step this attempt started from (0: fresh)"),
                required("host", Type.STRING, "", "machine that trained the run"),
                required("finished_at", Type.STRING, "ISO-8601", "when the run record was written"),
                required("groksweep_version", Type.STRING, "", ""),
                required("djl_version", Type.STRING, "", ""),
                required("libtorch_version", Type.STRING, "", "")));
        return List.copyOf(cols);
    }
}
