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
import java.util.function.Function;

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

    /** The outcome of a run from its metrics rows (any order): yes or no, or its phase. */
    public String category(List<Row> metrics) {
        List<Row> rows = metrics.stream().sorted(Comparator.comparingInt(r -> r.getInt("step"))).toList();
        Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
        rows.forEach(r -> onsets.observe(r.getInt("step"), r.getDouble("train_acc"), r.getDouble("test_acc")));
        boolean yes = switch (outcome) {
            case GROKKED -> onsets.grokked() != null;
            case MEMORISED -> onsets.memorised() != null;
            case TEST_LOSS_BELOW -> rows.stream().anyMatch(r -> r.getDouble("test_loss") < threshold);
            case PHASE -> false;
        };
        return outcome == Outcome.PHASE ? onsets.phase() : yes ? "yes" : "no";
    }

    /** The section as saved with the results (and hashed with the spec). */
    public Map<String, Object> canonical() {
        Map<String, Object> m = new TreeMap<>();
        m.put("axis", perAxis(Lattice::axis));
        m.put("range", perAxis(a -> List.of(a.lo().toPlainString(), a.hi().toPlainString())));
        m.put("resolution", perAxis(a -> a.resolution().toPlainString()));
        m.put("outcome", outcome.key());
        if (outcome == Outcome.TEST_LOSS_BELOW) {
            m.put("threshold", threshold);
        }
        if (!replicates.equals(DEFAULT_REPLICATES)) { // the default is left out, so earlier specs keep their hash
            m.put("replicates", replicates);
        }
        return m;
    }

    /** A key's value as a spec gives it: the value itself on one axis, a list of two on a plane. */
    private Object perAxis(Function<Lattice, Object> f) {
        return plane() ? axes.stream().map(f).toList() : f.apply(axes.get(0));
    }
}
