package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.results.Onsets;
import groksweep.results.Row;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A spec's {@code search:} section: where on one numeric trainer option a per-run yes/no outcome
 * changes, found to {@code resolution} between {@code lo} and {@code hi} ({@link Bracket}); or,
 * with two options, where a categorical outcome changes over their plane ({@link Quadtree}).
 * Every combination of the grid's axes is one search; its points lie on the lattice lo, lo +
 * resolution, ..., hi of each axis (the last step may be shorter), so a point's value, and its run
 * id, is the same however it was reached.
 *
 * <pre>
 * search:
 *   axis: train_fraction
 *   range: [0.1, 0.9]
 *   resolution: 0.025
 *   outcome: grokked         # or memorised, or test_loss_below (with threshold)
 *   threshold: 1.0           # test_loss_below only: nats
 *   replicates: [seed]       # grid axes whose searches share their boundaries (default [seed]; [] for none)
 * </pre>
 * or over two axes: {@code axis: [weight_decay, train_fraction]}, {@code range: [[0, 3], [0.1, 0.9]]},
 * {@code resolution: [0.25, 0.05]}, {@code outcome: phase}.
 */
public record Search(List<Lattice> axes, Outcome outcome, double threshold, List<String> replicates) {

    /** The grid axes whose values are replicates of one experiment by default: searches that differ in seed share. */
    public static final List<String> DEFAULT_REPLICATES = List.of("seed");

    /** One searched option's points: lo, lo + resolution, ..., hi. */
    public record Lattice(String axis, BigDecimal lo, BigDecimal hi, BigDecimal resolution) {
        /** The last lattice index: points are 0..last. */
        public int last() {
            BigDecimal[] qr = hi.subtract(lo).divideAndRemainder(resolution);
            return qr[0].intValueExact() + (qr[1].signum() > 0 ? 1 : 0);
        }

        /** The axis value at lattice point i, of the option's type. */
        public Object value(int i) {
            BigDecimal v = i >= last() ? hi : lo.add(resolution.multiply(BigDecimal.valueOf(i)));
            Class<?> type = TrainConfig.typeOf(axis);
            return type == Integer.class ? (Object) v.intValueExact() : type == Long.class ? (Object) v.longValueExact()
                    : (Object) v.doubleValue();
        }
    }

    /** A run's yes/no outcome, from its metrics rows. */
    public enum Outcome {
        /** Test accuracy reached 0.99 and held to the end (the onsets view's grokked_step is not null). */
        GROKKED,
        /** Train accuracy reached 0.99 (memorised_step is not null). */
        MEMORISED,
        /** The test loss fell below the search's threshold at some evaluated step. */
        TEST_LOSS_BELOW,
        /** Liu et al.'s phase, as the phases view: comprehension, grokking, memorisation or confusion (two axes). */
        PHASE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static List<String> keys() {
            return Arrays.stream(values()).map(Outcome::key).toList();
        }
    }

    /** Default threshold of {@code test_loss_below}: the onsets view's (Nanda et al.'s 1 nat). */
    public static final double DEFAULT_THRESHOLD = Onsets.Thresholds.defaults().lossBelow();

    /** Whether this search spans two axes (a {@link Quadtree}) rather than one (a {@link Bracket}). */
    public boolean plane() {
        return axes.size() == 2;
    }

    /** The first axis's name, bounds, resolution and lattice: all of a one-axis search. */
    public String axis() {
        return axes.get(0).axis();
    }

    public BigDecimal lo() {
        return axes.get(0).lo();
    }

    public BigDecimal hi() {
        return axes.get(0).hi();
    }

    public BigDecimal resolution() {
        return axes.get(0).resolution();
    }

    public int last() {
        return axes.get(0).last();
    }

    public Object value(int i) {
        return axes.get(0).value(i);
    }

    /** The run at lattice point i of the one-axis search from {@code base}. */
    public TrainConfig point(TrainConfig base, int i) {
        return base.with(Map.of(axis(), value(i)));
    }

    /** The run at point (i, j) of the two-axis search from {@code base}. */
    public TrainConfig point(TrainConfig base, int i, int j) {
        return base.with(Map.of(axes.get(0).axis(), axes.get(0).value(i), axes.get(1).axis(), axes.get(1).value(j)));
    }

    /** The yes/no outcome of a run from its metrics rows (any order). */
    public boolean outcome(List<Row> metrics) {
        return category(metrics).equals("yes");
    }

    /** The outcome of a run from its metrics rows (any order): yes or no, or its phase. */
    public String category(List<Row> metrics) {
        List<Row> rows = metrics.stream().sorted(Comparator.comparingInt(r -> r.getInt("step"))).toList();
        if (outcome == Outcome.TEST_LOSS_BELOW) {
            return yes(rows.stream().anyMatch(r -> r.getDouble("test_loss") < threshold));
        }
        if (outcome == Outcome.PHASE) {
            return phase(rows, Onsets.Thresholds.defaults());
        }
        Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
        rows.forEach(r -> onsets.observe(r.getInt("step"), r.getDouble("train_acc"), r.getDouble("test_acc")));
        return yes((outcome == Outcome.GROKKED ? onsets.grokked() : onsets.memorised()) != null);
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    /**
     * Liu et al.'s (2022) phase of a run, as the analysis's phases view defines it: t_train and
     * t_test are the first steps with train / test accuracy ≥ t.phaseAccuracy; confusion without
     * t_train, memorisation without t_test, grokking when t_test − t_train ≥ t.phaseGap, else comprehension.
     */
    static String phase(List<Row> rows, Onsets.Thresholds t) {
        Integer train = null, test = null;
        for (Row r : rows) { // in step order
            if (train == null && r.getDouble("train_acc") >= t.phaseAccuracy()) {
                train = r.getInt("step");
            }
            if (test == null && r.getDouble("test_acc") >= t.phaseAccuracy()) {
                test = r.getInt("step");
            }
        }
        return train == null ? "confusion" : test == null ? "memorisation" : test - train >= t.phaseGap() ? "grokking"
                : "comprehension";
    }

    /** The section as saved with the results (and hashed with the spec). */
    public Map<String, Object> canonical() {
        Map<String, Object> m = new TreeMap<>();
        if (plane()) {
            m.put("axis", axes.stream().map(Lattice::axis).toList());
            m.put("range", axes.stream().map(a -> List.of(a.lo().toPlainString(), a.hi().toPlainString())).toList());
            m.put("resolution", axes.stream().map(a -> a.resolution().toPlainString()).toList());
        } else {
            m.put("axis", axis());
            m.put("range", List.of(lo().toPlainString(), hi().toPlainString()));
            m.put("resolution", resolution().toPlainString());
        }
        m.put("outcome", outcome.key());
        if (outcome == Outcome.TEST_LOSS_BELOW) {
            m.put("threshold", threshold);
        }
        if (!replicates.equals(DEFAULT_REPLICATES)) { // the default is left out, so earlier specs keep their hash
            m.put("replicates", replicates);
        }
        return m;
    }
}
