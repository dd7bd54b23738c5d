package groksweep.results;

import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The committed runs whose results cannot be read whole, after a disk or copy fault: every file a
 * reader reads (per-run files and compacted parts) is decoded row by row, and the metrics of each
 * run that ended normally must reach its record's {@code final_step}. Readers skip such a file with
 * a warning, and a sweep counts its run as committed, so without this a damaged run would stay
 * silently incomplete. Runs are deterministic: retraining a damaged run ({@code sweep --repair})
 * writes the rows it lost, on the same machine exactly.
 */
public final class Verify {
    private Verify() {}

    /**
     * One damaged file.
     *
     * @param runId   its run, or null for a compacted part (every run it holds is damaged)
     * @param problem what is wrong, in one line
     */
    public record Damage(String runId, String file, String problem) {
        public String line() {
            return (runId == null ? "part" : "run " + runId) + ": " + file + ": " + problem;
        }
    }

    /** What a check found: how many committed runs it read, and each damaged file. */
    public record Report(int runs, List<Damage> damage) {}

    /** Checks every committed run under {@code store}. */
    public static Report check(ResultsStore store) throws IOException {
        Compaction.Snapshot snap = Compaction.snapshot(store);
        Set<String> committed = store.runIds(Tables.RUNS);
        Map<String, Integer> ended = new HashMap<>(); // runs ended ok or diverged → final_step: their last metric row
        Map<String, Integer> lastMetric = new HashMap<>();
        Map<String, String> metricsFile = new HashMap<>();
        List<Damage> damage = new ArrayList<>();
        for (Table t : Tables.ALL) {
            for (Path f : snap.files(t)) {
                String run = Compaction.runOf(f);
                if (run != null && !committed.contains(run)) {
                    continue; // a run still training: not yet a reader's
                }
                try {
                    store.forEachRow(t, f, r -> {
                        String id = (String) r.get("run_id");
                        if (!snap.keep(f, id)) {
                            return;
                        }
                        if (t == Tables.RUNS && ("ok".equals(r.get("status")) || "diverged".equals(r.get("status")))) {
                            ended.put(id, (Integer) r.get("final_step"));
                        } else if (t == Tables.METRICS) {
                            lastMetric.merge(id, (Integer) r.get("step"), Math::max);
                            metricsFile.put(id, f.toString());
                        }
                    });
                } catch (IOException | RuntimeException e) {
                    String why = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
                    damage.add(new Damage(run, f.toString(), "cannot be read (" + why + ")"));
                }
            }
        }
        // A damaged metrics part is listed once; the runs it held, and no other file, are not listed again.
        boolean partDamaged = damage.stream().anyMatch(d -> d.runId() == null && d.file().contains("/" + Tables.METRICS.name() + "/"));
        Set<String> inParts = Compaction.manifest(store).runs();
        for (Map.Entry<String, Integer> e : ended.entrySet()) {
            Integer last = lastMetric.get(e.getKey());
            boolean unread = damage.stream().anyMatch(d -> e.getKey().equals(d.runId()))
                    || last == null && partDamaged && inParts.contains(e.getKey());
            if (!unread && (last == null || last < e.getValue())) {
                damage.add(new Damage(e.getKey(), metricsFile.getOrDefault(e.getKey(), Layout.run(Tables.METRICS, e.getKey())),
                        "its metrics end at " + (last == null ? "no step" : "step " + last)
                                + ", its record at final_step " + e.getValue()));
            }
        }
        return new Report(committed.size(), damage);
    }
}
