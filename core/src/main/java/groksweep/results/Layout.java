package groksweep.results;

/**
 * Where each file lives under a results root, defined once: paths relative to the root. The
 * tables' per-run files are {@code <table>/<run_id>.parquet} ({@link #run}); compacted parts and
 * the manifest are {@link Compaction}'s.
 */
public final class Layout {
    private Layout() {}

    /** A run's file of {@code table}: {@code <table>/<run_id>.parquet}. */
    public static String run(Table table, String runId) {
        return table.name() + "/" + runId + ".parquet";
    }

    /** A run's final parameters and split: {@code params/<run_id>.npz}. */
    public static String params(String runId) {
        return "params/" + runId + ".npz";
    }

    /** The resolved spec of a sweep: {@code sweeps/<name>-<hash>.yaml}. */
    public static String spec(String name, String hash) {
        return "sweeps/" + name + "-" + hash + ".yaml";
    }

    /** Where checkpoints live: their own results root, with tables of rows so far beside the npz files. */
    public static final String CHECKPOINTS = "checkpoints";

    /** A run's checkpoint of parameters and optimizer state: {@code checkpoints/<run_id>.npz}. */
    public static String checkpoint(String runId) {
        return CHECKPOINTS + "/" + runId + ".npz";
    }

    /** An analysis job's result as Parquet ({@code analysis/<job>/}) or CSV ({@code analysis/<job>.csv}). */
    public static String analysis(String job, boolean csv) {
        return "analysis/" + job + (csv ? ".csv" : "");
    }
}
