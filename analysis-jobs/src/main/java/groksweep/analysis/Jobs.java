package groksweep.analysis;

import groksweep.config.TrainConfig;
import groksweep.results.Onsets;
import groksweep.results.Onsets.Thresholds;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The analysis jobs: Spark SQL over the views {@code runs}, {@code metrics}, {@code spectra} and
 * {@code irreps}.
 * Each job is one query over views that exist before it; {@link #all} runs them in order and
 * registers each result as a view of its own name, so later jobs and users can query it.
 */
public final class Jobs {
    private Jobs() {}

    /** Trainer options that only pick the random draw: runs differing only in them are seeds of one config. */
    static final List<String> SEEDS = List.of("seed", "data_seed", "init_seed");

    /** Runs every job in order; returns name → SQL, each result registered as a temp view of that name. */
    public static Map<String, String> all(SparkSession spark, Thresholds t) {
        Map<String, String> sql = new LinkedHashMap<>();
        run(spark, sql, "onsets", onsets(t));
        run(spark, sql, "phases", phases(t));
        run(spark, sql, "algorithms", algorithms());
        List<String> config = configColumns(spark);
        run(spark, sql, "grid_summary", gridSummary(config));
        run(spark, sql, "key_freqs", keyFreqs());
        run(spark, sql, "freq_stats", freqStats("true"));
        run(spark, sql, "n_key_freqs", nKeyFreqs("true"));
        run(spark, sql, "seed_agreement", seedAgreement(config));
        run(spark, sql, "key_irreps", keyIrreps());
        run(spark, sql, "irrep_stats", irrepStats(config));
        return sql;
    }

    /** Registers one job's result as a view, cached once computed: its Parquet, CSV and plots reuse it. */
    private static void run(SparkSession spark, Map<String, String> sql, String name, String query) {
        if (spark.catalog().tableExists(name)) {
            spark.catalog().uncacheTable(name);
        }
        spark.sql(query).createOrReplaceTempView(name);
        spark.catalog().cacheTable(name);
        sql.put(name, query.strip());
    }

    /**
     * Per run: memorisation step (first eval step with train accuracy ≥ t.memorise), grokking
     * step (first eval step with test accuracy ≥ t.grok that holds to the end), the first step
     * with test loss below t.lossBelow, the delay, and the final accuracies. The definitions are
     * {@link Onsets}'s, with the same thresholds; OnsetsAgreementTest checks the two agree.
     */
    public static String onsets(Thresholds t) {
        return String.format("""
                WITH last_miss AS (
                  SELECT run_id, max(CASE WHEN test_acc < %2$s THEN step END) AS last_miss
                  FROM metrics GROUP BY run_id)
                SELECT m.run_id,
                       min(CASE WHEN m.train_acc >= %1$s THEN m.step END) AS memorised_step,
                       min(CASE WHEN m.test_acc >= %2$s AND (l.last_miss IS NULL OR m.step > l.last_miss)
                                THEN m.step END) AS grokked_step,
                       min(CASE WHEN m.test_loss < %3$s THEN m.step END) AS test_loss_below_step,
                       min(CASE WHEN m.test_acc >= %2$s AND (l.last_miss IS NULL OR m.step > l.last_miss) THEN m.step END)
                         - min(CASE WHEN m.train_acc >= %1$s THEN m.step END) AS grokking_delay,
                       max(m.step) AS final_step,
                       max_by(m.train_acc, m.step) AS final_train_acc,
                       max_by(m.test_acc, m.step) AS final_test_acc
                FROM metrics m JOIN last_miss l ON m.run_id = l.run_id
                GROUP BY m.run_id""", t.memorise(), t.grok(), t.lossBelow());
    }

    /**
     * Per run, after Liu et al. (2022): t_train and t_test are the first steps with train / test
     * accuracy ≥ t.phaseAccuracy. Comprehension: both, t_test − t_train &lt; G; grokking: both, gap
     * ≥ G; memorisation: train only; confusion: train never reached (whatever test did).
     */
    public static String phases(Thresholds t) {
        return String.format("""
                SELECT run_id, t_train, t_test,
                       CASE WHEN t_train IS NULL THEN 'confusion'
                            WHEN t_test IS NULL THEN 'memorisation'
                            WHEN t_test - t_train >= %2$d THEN 'grokking'
                            ELSE 'comprehension' END AS phase
                FROM (SELECT run_id,
                             min(CASE WHEN train_acc >= %1$s THEN step END) AS t_train,
                             min(CASE WHEN test_acc >= %1$s THEN step END) AS t_test
                      FROM metrics GROUP BY run_id)""", t.phaseAccuracy(), t.phaseGap());
    }

    /*
     * Thresholds of the algorithms view, ours: Zhong et al. (2023) measure distance irrelevance (DI)
     * and gradient symmetricity (GS) but draw no line between their clock and pizza. Change them here.
     */

    /**
     * Final test accuracy below which a run is 'neither': only a network that computes a ∘ b on
     * held-out pairs runs an algorithm for it; the measures of one that memorises describe a lookup
     * table. 0.99 is also the default grokking threshold, so a clock or a pizza has grokked.
     */
    public static final double ALGORITHM_MIN_TEST_ACC = 0.99;

    /**
     * GS from which a run can be a pizza. The pizza adds the embeddings before its nonlinearity, so
     * the gradients of a logit with respect to E_a and E_b coincide and GS is 1; the clock multiplies
     * them (through attention), so its GS is well below. 0.98 leaves room for a trained network's noise.
     */
    public static final double PIZZA_MIN_GS = 0.98;

    /**
     * DI below which a run can be a pizza. The pizza's correct logit scales with |cos(w(a − b)/2)|,
     * so it varies mostly with a − b (DI near 0); below the midpoint of the two ideals a − b matters
     * more than a clock allows.
     */
    public static final double PIZZA_MAX_DI = 0.5;

    /**
     * DI from which a run can be a clock. The clock's correct logit ignores a − b (DI 1); 0.7 allows
     * some dependence on it: our standard-attention runs of Zhong et al.'s setting end at DI
     * 0.73–0.86 with GS 0.19–0.36 (docs/REPRODUCTIONS.md). From 0.5 to 0.7 the logit depends on
     * a − b in part, as a mixture of the two or another algorithm would: neither.
     */
    public static final double CLOCK_MIN_DI = 0.7;

    /**
     * Per run: clock, pizza or neither (Zhong et al. 2023), from the last metrics row where both DI
     * and GS are measured (measured_step) and the final test accuracy. Not generalised (final test
     * accuracy &lt; {@link #ALGORITHM_MIN_TEST_ACC}): neither. Else pizza when GS ≥ {@link #PIZZA_MIN_GS}
     * and DI &lt; {@link #PIZZA_MAX_DI}; clock when DI ≥ {@link #CLOCK_MIN_DI} and GS below
     * {@link #PIZZA_MIN_GS}; neither otherwise. Runs never measured (DI is measured for add only)
     * have null measures and a null algorithm. NaN counts as not measured: Spark orders NaN above
     * every number, so a NaN DI would otherwise pass as a clock. The final test accuracy is the
     * onsets view's, computed here rather than joined: with onsets both in this view and beside it
     * in grid_summary, Spark 4.1's optimizer fails on grid_summary (PLAN_VALIDATION_FAILED_RULE_IN_BATCH).
     */
    public static String algorithms() {
        return String.format("""
                WITH measured AS (
                  SELECT run_id, max(step) AS measured_step,
                         max_by(distance_irrelevance, step) AS distance_irrelevance,
                         max_by(gradient_symmetricity, step) AS gradient_symmetricity
                  FROM metrics
                  WHERE distance_irrelevance IS NOT NULL AND gradient_symmetricity IS NOT NULL
                    AND NOT isnan(distance_irrelevance) AND NOT isnan(gradient_symmetricity)
                  GROUP BY run_id),
                final AS (SELECT run_id, max_by(test_acc, step) AS final_test_acc FROM metrics GROUP BY run_id)
                SELECT r.run_id, m.measured_step, m.distance_irrelevance, m.gradient_symmetricity, f.final_test_acc,
                       CASE WHEN m.run_id IS NULL THEN NULL
                            WHEN f.final_test_acc IS NULL OR f.final_test_acc < %1$s THEN 'neither'
                            WHEN m.gradient_symmetricity >= %2$s AND m.distance_irrelevance < %3$s THEN 'pizza'
                            WHEN m.distance_irrelevance >= %4$s AND m.gradient_symmetricity < %2$s THEN 'clock'
                            ELSE 'neither' END AS algorithm
                FROM runs r LEFT JOIN measured m ON m.run_id = r.run_id LEFT JOIN final f ON f.run_id = r.run_id""",
                ALGORITHM_MIN_TEST_ACC, PIZZA_MIN_GS, PIZZA_MAX_DI, CLOCK_MIN_DI);
    }

    /**
     * Per config (modulus, train fraction, weight decay, and every other option that varies
     * across runs, seeds aside): runs, share grokked, median and IQR of grokking step and delay,
     * majority phase, runs not ok, and runs per algorithm (0 where none was measured). When phases
     * tie (seeds split 1:1), majority_phase names every tied phase, sorted and joined by '/', e.g.
     * "comprehension/grokking", rather than one at random.
     */
    public static String gridSummary(List<String> config) {
        String cols = String.join(", ", config.stream().map(c -> "r." + quoted(c)).toList());
        String bare = String.join(", ", config.stream().map(Jobs::quoted).toList());
        String same = String.join(" AND ", config.stream().map(c -> "r." + quoted(c) + " <=> m." + quoted(c)).toList());
        return """
                WITH counted AS (
                  SELECT %1$s, p.phase, count(*) AS n
                  FROM runs r JOIN phases p ON r.run_id = p.run_id GROUP BY %1$s, p.phase),
                majority AS (
                  SELECT %2$s, array_join(array_sort(collect_list(phase)), '/') AS majority_phase
                  FROM (SELECT *, max(n) OVER (PARTITION BY %2$s) AS top FROM counted) WHERE n = top
                  GROUP BY %2$s)
                SELECT %1$s,
                       count(*) AS runs,
                       avg(CASE WHEN o.grokked_step IS NOT NULL THEN 1D ELSE 0D END) AS share_grokked,
                       percentile(o.grokked_step, 0.5) AS median_grokked_step,
                       percentile(o.grokked_step, 0.75) - percentile(o.grokked_step, 0.25) AS iqr_grokked_step,
                       percentile(o.grokking_delay, 0.5) AS median_grokking_delay,
                       percentile(o.grokking_delay, 0.75) - percentile(o.grokking_delay, 0.25) AS iqr_grokking_delay,
                       m.majority_phase,
                       sum(CASE WHEN r.status <> 'ok' THEN 1 ELSE 0 END) AS not_ok,
                       count_if(a.algorithm = 'clock') AS n_clock,
                       count_if(a.algorithm = 'pizza') AS n_pizza,
                       count_if(a.algorithm = 'neither') AS n_neither
                FROM runs r LEFT JOIN onsets o ON r.run_id = o.run_id LEFT JOIN algorithms a ON r.run_id = a.run_id
                LEFT JOIN majority m ON %3$s
                GROUP BY %1$s, m.majority_phase ORDER BY %1$s""".formatted(cols, bare, same);
    }

    /**
     * Per run: the operation, the final key frequencies (k and k/n, n the order of the group whose
     * Fourier basis k belongs to: p, or p − 1 for mul and div), their number, and the step each first
     * became key, also relative to the grokking step (negative: before it).
     */
    public static String keyFreqs() {
        return """
                WITH final AS (
                  SELECT run_id, max_by(key_freqs, step) AS key_freqs
                  FROM metrics WHERE key_freqs IS NOT NULL GROUP BY run_id),
                first_key AS (
                  SELECT run_id, k, min(step) AS first_key_step
                  FROM metrics LATERAL VIEW explode(key_freqs) e AS k
                  WHERE key_freqs IS NOT NULL GROUP BY run_id, k),
                exploded AS (
                  SELECT run_id, k, size(key_freqs) AS n_key_freqs FROM final LATERAL VIEW explode(key_freqs) e AS k)
                SELECT x.run_id, r.operation, r.modulus, x.k,
                       x.k / (r.modulus - CASE WHEN r.operation IN ('mul', 'div') THEN 1 ELSE 0 END) AS k_over_p,
                       x.n_key_freqs,
                       fk.first_key_step, fk.first_key_step - o.grokked_step AS first_key_vs_grok
                FROM exploded x
                JOIN runs r ON r.run_id = x.run_id
                JOIN first_key fk ON fk.run_id = x.run_id AND fk.k = x.k
                LEFT JOIN onsets o ON o.run_id = x.run_id
                ORDER BY x.run_id, x.k""";
    }

    /**
     * Per operation, modulus and k, over the runs matching {@code where} (a condition on the runs
     * view; "true": all): in how many runs (and what share of the ok ones) k is a final key
     * frequency. Per operation because k counts frequencies of Z_p for add and sub but of Z_(p−1)
     * for mul and div: the same k is another frequency there.
     */
    public static String freqStats(String where) {
        return """
                WITH chosen AS (SELECT * FROM runs WHERE %s)
                SELECT kf.operation, kf.modulus, kf.k, count(*) AS runs_with_k, count(*) / max(t.runs) AS share_of_runs
                FROM key_freqs kf JOIN chosen c ON c.run_id = kf.run_id
                JOIN (SELECT operation, modulus, count(*) AS runs FROM chosen WHERE status = 'ok' GROUP BY operation, modulus) t
                  ON t.operation = kf.operation AND t.modulus = kf.modulus
                GROUP BY kf.operation, kf.modulus, kf.k ORDER BY kf.operation, kf.modulus, kf.k""".formatted(where);
    }

    /** Per operation and modulus, over the runs matching {@code where}: how many ok runs ended with n key frequencies. */
    public static String nKeyFreqs(String where) {
        return """
                SELECT r.operation, r.modulus, coalesce(size(f.key_freqs), 0) AS n_key_freqs, count(*) AS runs
                FROM (SELECT * FROM runs WHERE %s) r
                LEFT JOIN (SELECT run_id, max_by(key_freqs, step) AS key_freqs FROM metrics
                           WHERE key_freqs IS NOT NULL GROUP BY run_id) f ON r.run_id = f.run_id
                WHERE r.status = 'ok'
                GROUP BY r.operation, r.modulus, coalesce(size(f.key_freqs), 0)
                ORDER BY r.operation, r.modulus, n_key_freqs""".formatted(where);
    }

    /**
     * Per config: do seeds pick the same frequencies? Mean Jaccard similarity of the final key
     * sets over all pairs of seeds (null where both sets are empty), and the share of grokked runs
     * whose key frequencies had all appeared before the grokking step.
     */
    public static String seedAgreement(List<String> config) {
        String cols = String.join(", ", config.stream().map(Jobs::quoted).toList());
        String on = String.join(" AND ", config.stream().map(c -> "a." + quoted(c) + " = b." + quoted(c)).toList());
        String aCols = String.join(", ", config.stream().map(c -> "a." + quoted(c)).toList());
        return """
                WITH final AS (
                  SELECT r.*, coalesce(f.key_freqs, array()) AS keys
                  FROM runs r LEFT JOIN (SELECT run_id, max_by(key_freqs, step) AS key_freqs FROM metrics
                                         WHERE key_freqs IS NOT NULL GROUP BY run_id) f ON r.run_id = f.run_id
                  WHERE r.status = 'ok'),
                pairs AS (
                  SELECT %3$s,
                         CASE WHEN size(array_union(a.keys, b.keys)) = 0 THEN NULL
                              ELSE size(array_intersect(a.keys, b.keys)) / size(array_union(a.keys, b.keys)) END AS jaccard
                  FROM final a JOIN final b ON %2$s AND a.run_id < b.run_id),
                early AS (
                  SELECT %1$s,
                         avg(CASE WHEN kf.latest_first_key <= o.grokked_step THEN 1D ELSE 0D END) AS share_keys_before_grok
                  FROM runs r JOIN onsets o ON o.run_id = r.run_id
                  JOIN (SELECT run_id, max(first_key_step) AS latest_first_key FROM key_freqs GROUP BY run_id) kf
                    ON kf.run_id = r.run_id
                  WHERE o.grokked_step IS NOT NULL GROUP BY %1$s)
                SELECT c.*, p.mean_jaccard, p.seed_pairs, e.share_keys_before_grok
                FROM (SELECT DISTINCT %1$s FROM final) c
                LEFT JOIN (SELECT %1$s, avg(jaccard) AS mean_jaccard, count(*) AS seed_pairs FROM pairs GROUP BY %1$s) p
                  USING (%1$s)
                LEFT JOIN early e USING (%1$s)
                ORDER BY %1$s""".formatted(cols, on, aCols);
    }

    /*
     * The irrep views read irreps once, through window functions, not through CTEs referenced more
     * than once: Spark 4.1's optimizer turns such a CTE into a repartition and then fails on it
     * (PLAN_VALIDATION_FAILED_RULE_IN_BATCH) when runs is filtered by input file, as it is once a
     * run was written again after compaction.
     */

    /**
     * Per run on a group: its key irreps at its last analysis step (the analogue of key_freqs), with
     * their dimension, their number, their shares of the embedding and their logit similarity, and
     * the step each first became key, also relative to the grokking step.
     */
    public static String keyIrreps() {
        return """
                SELECT f.run_id, r.`group`, f.irrep, f.name, f.dim, f.faithful, f.n_key_irreps, f.embed, f.logit_similarity,
                       f.first_key_step, f.first_key_step - o.grokked_step AS first_key_vs_grok
                FROM (SELECT i.*,
                             count_if(i.key) OVER (PARTITION BY i.run_id, i.step) AS n_key_irreps,
                             min(CASE WHEN i.key THEN i.step END) OVER (PARTITION BY i.run_id, i.irrep) AS first_key_step,
                             max(i.step) OVER (PARTITION BY i.run_id) AS last_step
                      FROM irreps i) f
                JOIN runs r ON r.run_id = f.run_id
                LEFT JOIN onsets o ON o.run_id = f.run_id
                WHERE f.step = f.last_step AND f.key
                ORDER BY f.run_id, f.irrep""";
    }

    /**
     * Chughtai et al.'s universality statistics, per config on a group (its config columns, the
     * group always among them) and irrep: of the config's ok runs with irrep measures, how many end
     * with the irrep key (runs_with_key, share_key); and per config, the share of those runs whose
     * key irreps include one of the lowest dimension among the faithful irreps (share_lowest_dim_key,
     * lowest_dim). Faithful, since an irrep with a kernel cannot carry the composition alone: taken
     * literally, S_n's lowest non-trivial irrep would be its sign, which no run can rely on. Every
     * run of a config has the same irreps, so an average over its rows is one over its runs.
     */
    public static String irrepStats(List<String> config) {
        List<String> withGroup = new ArrayList<>(config);
        if (!withGroup.contains("group")) {
            withGroup.add(0, "group");
        }
        String cols = String.join(", ", withGroup.stream().map(Jobs::quoted).toList());
        String fromRuns = String.join(", ", withGroup.stream().map(c -> "r." + quoted(c)).toList());
        return """
                SELECT %1$s, irrep, max(name) AS name, max(dim) AS dim, bool_or(faithful) AS faithful, count(*) AS runs,
                       count_if(key) AS runs_with_key, avg(CASE WHEN key THEN 1D ELSE 0D END) AS share_key,
                       avg(embed) AS mean_embed, max(lowest_dim) AS lowest_dim,
                       max(share_lowest_dim_key) AS share_lowest_dim_key
                FROM (SELECT y.*, avg(y.lowest_key) OVER (PARTITION BY %1$s) AS share_lowest_dim_key
                      FROM (SELECT x.*, max(CASE WHEN x.key AND x.faithful AND x.dim = x.lowest_dim THEN 1D ELSE 0D END)
                                          OVER (PARTITION BY x.run_id) AS lowest_key
                            FROM (SELECT %2$s, i.*,
                                         min(CASE WHEN i.faithful THEN i.dim END) OVER (PARTITION BY i.run_id, i.step) AS lowest_dim,
                                         max(i.step) OVER (PARTITION BY i.run_id) AS last_step
                                  FROM irreps i JOIN runs r ON r.run_id = i.run_id WHERE r.status = 'ok') x
                            WHERE x.step = x.last_step) y)
                GROUP BY %1$s, irrep ORDER BY %1$s, irrep""".formatted(cols, fromRuns);
    }

    /**
     * Per group and irrep (non-trivial), over the ok runs matching {@code where} that have irrep
     * measures: how many end with it key; label names it with its dimension, * when faithful.
     */
    public static String keyIrrepCounts(String where) {
        return """
                SELECT `group`, irrep,
                       concat(max(name), ' (', max(dim), CASE WHEN bool_or(faithful) THEN '*' ELSE '' END, ')') AS label,
                       count_if(key) AS runs_with_key, count(*) AS runs
                FROM (SELECT r.`group`, i.*, max(i.step) OVER (PARTITION BY i.run_id) AS last_step
                      FROM irreps i JOIN (SELECT * FROM runs WHERE (%s) AND status = 'ok') r ON r.run_id = i.run_id)
                WHERE step = last_step AND irrep > 0
                GROUP BY `group`, irrep ORDER BY `group`, irrep""".formatted(where);
    }

    /**
     * The config columns to group by: modulus, train fraction and weight decay always, and every
     * other trainer option (seeds aside) that takes more than one value across the runs.
     */
    public static List<String> configColumns(SparkSession spark) {
        List<String> cols = new ArrayList<>(List.of("modulus", "train_fraction", "weight_decay"));
        List<String> others = TrainConfig.keys().stream()
                .filter(k -> !cols.contains(k) && !SEEDS.contains(k)).toList();
        String counts = String.join(", ", others.stream().map(k -> "count(DISTINCT " + quoted(k) + ") AS " + quoted(k)).toList());
        Row r = spark.sql("SELECT " + counts + " FROM runs").first();
        for (String k : others) {
            if (r.getLong(r.fieldIndex(k)) > 1) {
                cols.add(k);
            }
        }
        return cols;
    }

    /** A runs column as an SQL identifier: quoted, since an option may be a keyword (group). */
    public static String quoted(String column) {
        return "`" + column + "`";
    }
}
