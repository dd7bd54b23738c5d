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
 * changes, found to {@code resolution} between {@code lo} and {@code hi}. Every combination of the
 * grid's axes is one search; its points lie on the lattice lo, lo + resolution, ..., hi (the last
 * step may be shorter), so a point's value, and its run id, is the same however it was reached.
 *
 * <pre>
 * search:
 *   axis: train_fraction
 *   range: [0.1, 0.9]
 *   resolution: 0.025
 *   outcome: grokked         # or memorised, or test_loss_below (with threshold)
 *   threshold: 1.0           # test_loss_below only: nats
 * </pre>
 */
public record Search(String axis, BigDecimal lo, BigDecimal hi, BigDecimal resolution, Outcome outcome,
        double threshold) {

    /** A run's yes/no outcome, from its metrics rows. */
    public enum Outcome {
        /** Test accuracy reached 0.99 and held to the end (the onsets view's grokked_step is not null). */
        GROKKED,
        /** Train accuracy reached 0.99 (memorised_step is not null). */
        MEMORISED,
        /** The test loss fell below the search's threshold at some evaluated step. */
        TEST_LOSS_BELOW;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static List<String> keys() {
            return Arrays.stream(values()).map(Outcome::key).toList();
        }
    }

    /** Default threshold of {@code test_loss_below}: the onsets view's (Nanda et al.'s 1 nat). */
    public static final double DEFAULT_THRESHOLD = Onsets.Thresholds.defaults().lossBelow();

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

    /** The run at lattice point i of the search from {@code base}. */
    public TrainConfig point(TrainConfig base, int i) {
        return base.with(Map.of(axis, value(i)));
    }

    /** The outcome of a run from its metrics rows (any order). */
    public boolean outcome(List<Row> metrics) {
        List<Row> rows = metrics.stream().sorted(Comparator.comparingInt(r -> r.getInt("step"))).toList();
        if (outcome == Outcome.TEST_LOSS_BELOW) {
            return rows.stream().anyMatch(r -> r.getDouble("test_loss") < threshold);
        }
        Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
        rows.forEach(r -> onsets.observe(r.getInt("step"), r.getDouble("train_acc"), r.getDouble("test_acc")));
        return (outcome == Outcome.GROKKED ? onsets.grokked() : onsets.memorised()) != null;
    }

    /** The section as saved with the results (and hashed with the spec). */
    public Map<String, Object> canonical() {
        Map<String, Object> m = new TreeMap<>();
        m.put("axis", axis);
        m.put("range", List.of(lo.toPlainString(), hi.toPlainString()));
        m.put("resolution", resolution.toPlainString());
        m.put("outcome", outcome.key());
        if (outcome == Outcome.TEST_LOSS_BELOW) {
            m.put("threshold", threshold);
        }
        return m;
    }
}
