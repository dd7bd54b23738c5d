package groksweep.results;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one owner of what an output knows of each run: whether it is committed, its status, its
 * metrics (in its own files or in compacted parts alike), and undoing a commit so that it trains
 * again ({@code --repair}). Every other class asks here; none reads the compaction manifest or
 * deletes a run's record itself. What the compacted parts hold is read once; a run's own files,
 * which a rerun writes again, and the set of committed runs are read afresh on every call.
 */
public final class RunStore {
    private final ResultsStore files;
    private Map<String, RunStatus> compactedStatuses; // the compacted parts' statuses by run, read on first need
    private Map<String, List<Row>> compactedMetrics; // the compacted parts' metrics by run, read on first need

    public RunStore(ResultsStore files) {
        this.files = files;
    }

    /** The output's files, for what is not a run's state (specs, tables of findings, markers). */
    public ResultsStore files() {
        return files;
    }

    /** The committed runs: those with a record of their own and those of the compacted parts. */
    public Set<String> committed() throws IOException {
        return files.runIds(Tables.RUNS);
    }

    /** Whether one run is committed, read now (an executor asks before it trains). */
    public boolean committed(String runId) throws IOException {
        return files.exists(Layout.run(Tables.RUNS, runId)) || Compaction.manifest(files).runs().contains(runId);
    }

    /** Whether the run's record is its own file (not yet compacted), the only kind {@link #uncommit} can undo. */
    public boolean ownRecord(String runId) throws IOException {
        return files.exists(Layout.run(Tables.RUNS, runId));
    }

    /**
     * A committed run's status; a record that cannot be read counts as failed (it trains again on a
     * retry). A run's own record is read each time, as a rerun ({@code --rerun-failed}) writes it
     * again; the compacted parts' records are read once.
     */
    public RunStatus status(String runId) throws IOException {
        if (ownRecord(runId)) {
            try {
                return RunStatus.of(files.read(Tables.RUNS, runId).get(0).getString("status"));
            } catch (IOException | RuntimeException e) {
                return RunStatus.FAILED;
            }
        }
        if (compactedStatuses == null) {
            compactedStatuses = new HashMap<>();
            for (Row r : files.readAll(Tables.RUNS)) {
                compactedStatuses.putIfAbsent(r.getString("run_id"), RunStatus.of(r.getString("status")));
            }
        }
        return compactedStatuses.getOrDefault(runId, RunStatus.FAILED);
    }

    /** The committed runs that failed or timed out (no evidence either way; {@code --rerun-failed} trains them again). */
    public Set<String> retryable() throws IOException {
        Set<String> out = new HashSet<>();
        for (String id : committed()) {
            if (status(id).retryable()) {
                out.add(id);
            }
        }
        return out;
    }

    /** A committed run's metrics rows, from its own file or the compacted parts. */
    public List<Row> metrics(String runId) throws IOException {
        if (files.exists(Layout.run(Tables.METRICS, runId))) {
            return files.read(Tables.METRICS, runId);
        }
        if (compactedMetrics == null) {
            compactedMetrics = new HashMap<>();
            for (Row r : files.readAll(Tables.METRICS)) {
                compactedMetrics.computeIfAbsent(r.getString("run_id"), x -> new ArrayList<>()).add(r);
            }
        }
        return compactedMetrics.getOrDefault(runId, List.of());
    }

    /**
     * Uncommits a run whose record is its own file, so that the next sweep trains it again: its
     * record goes first, and a run without one is not committed, whatever else is left.
     */
    public void uncommit(String runId) throws IOException {
        files.delete(Layout.run(Tables.RUNS, runId));
    }
}
