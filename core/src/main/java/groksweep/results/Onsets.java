package groksweep.results;

/**
 * When a run memorised and when it grokked, defined once. Memorised: the first evaluated step with
 * train accuracy ≥ {@code memorise}. Grokked: the first evaluated step with test accuracy ≥
 * {@code grok} that held at every later evaluated step (it resets when accuracy falls back).
 *
 * <p>The analysis's {@code onsets} view computes these from the metrics table, with the same
 * {@link Thresholds}; this tracker follows a run live, for {@code stop_after_grok} and progress
 * messages. The trainer writes no onset of its own, so results hold one answer: the view's.
 */
public final class Onsets {

    /**
     * Thresholds of the onset and phase definitions: Nanda et al.'s accuracy 0.99 and test loss
     * below 1; Liu et al.'s phase accuracy 0.9 and a gap of 1,000 steps.
     */
    public record Thresholds(double memorise, double grok, double lossBelow, double phaseAccuracy, int phaseGap) {
        public static Thresholds defaults() {
            return new Thresholds(0.99, 0.99, 1.0, 0.9, 1000);
        }
    }

    private final Thresholds t;
    private Integer memorised;
    private Integer grokked;

    public Onsets(Thresholds t) {
        this.t = t;
    }

    /** The next evaluated step, in step order. */
    public void observe(int step, double trainAcc, double testAcc) {
        if (memorised == null && trainAcc >= t.memorise()) {
            memorised = step;
        }
        if (testAcc < t.grok()) {
            grokked = null;
        } else if (grokked == null) {
            grokked = step;
        }
    }

    /** The memorisation step so far, or null. */
    public Integer memorised() {
        return memorised;
    }

    /** The grokking step if accuracy has held since, or null. */
    public Integer grokked() {
        return grokked;
    }
}
