package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.results.Row;
import groksweep.results.RunStore;
import groksweep.results.Table;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one-axis and two-axis searches share: a search per grid combination, the outcomes of the
 * committed runs on their lattices (a committed run's outcome never changes, so each is read once),
 * and the table they publish. Runs that failed or timed out are no evidence either way (a diverged
 * run is: its metrics say it did not grok); with {@code --rerun-failed} they count as untried until
 * trained again.
 */
abstract class Searches implements Strategy {
    static final String FAILED = "failed";

    final SweepSpec spec;
    final Search search;
    final List<TrainConfig> bases;
    private final Set<String> retry;
    private final Map<String, String> outcomes = new HashMap<>();
    private final Set<String> rerunning = new HashSet<>(); // compacted failed runs handed out again
    private RunStore store; // as last read, to uncommit a failed run handed out again
    private List<Row> rows = List.of();

    Searches(SweepSpec spec, Set<String> retry) {
        this.spec = spec;
        this.search = spec.search();
        this.bases = Grid.expand(spec);
        this.retry = new HashSet<>(retry);
    }

    /** The searches of a spec: a bracket per combination on one axis, a quadtree on two. */
    static Searches of(SweepSpec spec, Set<String> retry) {
        return spec.search().plane() ? new QuadtreeSearches(spec, retry) : new BracketSearches(spec, retry);
    }

    /** Lattice points of one search (the quadtree's keys on two axes). */
    abstract int points();

    /** The run at lattice point (or quadtree key) i of the search over {@code base}. */
    abstract TrainConfig point(TrainConfig base, int i);

    abstract Table table();

    /** The rows of its table as the committed runs now say. */
    abstract List<Row> tableRows();

    /** The runs a dense grid over every search's lattice would train, and those of them not committed. */
    @Override
    public SweepRunner.Plan plan() {
        List<TrainConfig> dense = new ArrayList<>();
        List<TrainConfig> pending = new ArrayList<>();
        for (TrainConfig base : bases) {
            for (int i = 0; i < points(); i++) {
                TrainConfig c = point(base, i);
                dense.add(c);
                String outcome = outcomes.get(c.runId());
                if (outcome == null) {
                    pending.add(c);
                }
            }
        }
        return new SweepRunner.Plan(dense, pending, null);
    }

    @Override
    public void update(RunStore runs) throws IOException {
        store = runs;
        Set<String> committed = runs.committed();
        for (TrainConfig base : bases) {
            for (int i = 0; i < points(); i++) {
                String id = point(base, i).runId();
                boolean waiting = retry.contains(id) || rerunning.contains(id) && !runs.ownRecord(id);
                if (committed.contains(id) && !outcomes.containsKey(id) && !waiting) {
                    learn(id, runs.status(id).retryable() ? FAILED : search.category(runs.metrics(id)));
                }
            }
        }
    }

    /** Records a committed run's outcome (a category of {@link Search#category}, or {@link #FAILED}). */
    void learn(String runId, String outcome) {
        outcomes.put(runId, outcome);
    }

    /** The outcome of the run, null while it is untried. */
    String outcome(String runId) {
        return outcomes.get(runId);
    }

    /** What the committed runs of one search say: outcomes by lattice point (failed runs apart), and the runs. */
    record Known(Map<Integer, String> outcomes, Set<Integer> failed, Map<Integer, String> runIds) {}

    Known known(TrainConfig base) {
        Known k = new Known(new TreeMap<>(), new TreeSet<>(), new TreeMap<>());
        for (int i = 0; i < points(); i++) {
            String id = point(base, i).runId();
            String outcome = outcome(id);
            if (outcome != null) {
                k.runIds().put(i, id);
                if (outcome.equals(FAILED)) {
                    k.failed().add(i);
                } else {
                    k.outcomes().put(i, outcome);
                }
            }
        }
        return k;
    }

    /**
     * Notes that runs are handed out to train. A failed run trained again ({@code --rerun-failed})
     * is untried until its rerun commits, so what the search learns of it is the rerun's outcome,
     * never the old failure read while the rerun trains: its own record is uncommitted; one in the
     * compacted parts waits for the rerun's own record.
     */
    List<TrainConfig> handOut(Collection<TrainConfig> runs) throws IOException {
        for (TrainConfig c : runs) {
            if (retry.remove(c.runId())) {
                if (store.ownRecord(c.runId())) {
                    store.uncommit(c.runId());
                } else {
                    rerunning.add(c.runId());
                }
            }
        }
        return List.copyOf(runs);
    }

    @Override
    public void publish(RunStore runs) throws IOException {
        rows = tableRows();
        runs.files().write(table(), spec.name() + "-" + spec.hash(), rows);
    }

    @Override
    public List<Row> rows() {
        return rows;
    }

    /** A search's grid combination as its axes' values, e.g. "seed=1, weight_decay=1.0" ("all" without axes). */
    String describe(TrainConfig base) {
        StringJoiner s = new StringJoiner(", ");
        spec.axes().forEach(a -> s.add(a + "=" + base.value(a)));
        return s.length() == 0 ? "all" : s.toString();
    }

    /** The run's grid combination, its point on the searched axes and its outcome. */
    @Override
    public String describe(String runId) {
        for (TrainConfig base : bases) {
            for (int i = 0; i < points(); i++) {
                TrainConfig c = point(base, i);
                if (c.runId().equals(runId)) {
                    StringJoiner s = new StringJoiner(", ", "", ": " + outcome(runId));
                    spec.axes().forEach(a -> s.add(a + "=" + base.value(a)));
                    search.axes().forEach(a -> s.add(a.axis() + "=" + c.value(a.axis())));
                    return s.toString();
                }
            }
        }
        return runId;
    }

    /** A table row's first columns: the sweep, the search and its outcome. */
    Row row(TrainConfig base) {
        return table().row().set("sweep", spec.name() + "-" + spec.hash()).set("search", describe(base))
                .set("outcome", search.outcome().key());
    }

    static double number(Object v) {
        return ((Number) v).doubleValue();
    }
}
