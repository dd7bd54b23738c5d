package groksweep.results;

/** Why a run stopped, as written to {@code runs.stop_reason}. */
public enum StopReason {
    /** Ran its step budget. */
    STEPS,
    /** stop_after_grok steps after grokking. */
    GROKKED,
    /** The train loss became NaN or infinite. */
    DIVERGED,
    /** run_timeout_seconds ran out. */
    TIMEOUT,
    /** An error; runs.message says which. */
    ERROR;

    public String value() {
        return name().toLowerCase();
    }

    public static StopReason of(String value) {
        return valueOf(value.toUpperCase());
    }
}
