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
    private Integer trainAt; // first steps at the phase accuracy
    private Integer testAt;

    public Onsets(Thresholds t) {
        this.t = t;
    }

    /** The next evaluated step, in step order. */
    public void observe(int step, double trainAcc, double testAcc) {
        if (memorised == null && trainAcc >= t.memorise()) {
            memorised = step;
        }
        if (trainAt == null && trainAcc >= t.phaseAccuracy()) {
            trainAt = step;
        }
        if (testAt == null && testAcc >= t.phaseAccuracy()) {
            testAt = step;
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

    /**
     * Liu et al.'s (2022) phase so far, as the analysis's phases view defines it: t_train and
     * t_test are the first steps with train / test accuracy ≥ phaseAccuracy; confusion without
     * t_train, memorisation without t_test, grokking when t_test − t_train ≥ phaseGap, else comprehension.
     */
    public String phase() {
        return trainAt == null ? "confusion" : testAt == null ? "memorisation"
                : testAt - trainAt >= t.phaseGap() ? "grokking" : "comprehension";
    }
}
