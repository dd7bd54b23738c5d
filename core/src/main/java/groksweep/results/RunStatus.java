package groksweep.results;

/** How a run ended, as written to {@code runs.status}. */
public enum RunStatus {
    /** Trained its steps, or stopped after grokking (stop_after_grok). */
    OK,
    /** The train loss became NaN or infinite. */
    DIVERGED,
    /** An error in the run, or a run refused before training (e.g. too large for this machine). */
    FAILED,
    /** Stopped by run_timeout_seconds. */
    TIMEOUT;

    /** Statuses that {@code --rerun-failed} trains again; the others are outcomes of the config. */
    public boolean retryable() {
        return this == FAILED || this == TIMEOUT;
    }

    /** The value in the results: lower case. */
    public String value() {
        return name().toLowerCase();
    }

    public static RunStatus of(String value) {
        return valueOf(value.toUpperCase());
    }
}
