package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.results.Layout;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.RunStatus;
import groksweep.results.Tables;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs a sweep with a {@code search:} section on Spark, round by round: each round trains, for
 * every open search, the points that split its flips ({@link Bracket}), as one ordinary sweep
 * job of ordinary runs ({@link SweepRunner#run}), then reads their outcomes back. What a search
 * knows is read from committed runs alone, so a killed driver resumes where it was, a run is
 * never trained twice, and runs already in the output (from a grid or another search) are used.
 */
public final class SearchRunner {
    private SearchRunner() {}

    /**
     * One search: its grid combination, what its committed runs say (a {@link Bracket} on one
     * axis, a {@link Quadtree} on two; the other null), and those runs by lattice point (the
     * quadtree's keys on two axes).
     */
    public record State(TrainConfig base, Bracket bracket, Quadtree quad, Map<Integer, String> runIds) {
        public State(TrainConfig base, Bracket bracket, Map<Integer, String> runIds) {
            this(base, bracket, null, runIds);
        }

        public Bracket.Status status() {
            return quad != null ? quad.status() : bracket.status();
        }
    }

    /** What the whole search did: its rounds, the runs each trained (skipped ones included), and its end state. */
    public record Outcome(int rounds, List<SweepRunner.RunReport> trained, List<State> states, double seconds) {}

    /**
     * Trains round after round until no search is open. {@code slots} (the sweep's task slots)
     * sets k: each open flip gets about slots ÷ open flips new points a round, at least one.
     * {@code afterRound} hears each round's number once its runs are committed.
     */
    public static Outcome run(SparkSession spark, SweepSpec spec, int slots, boolean rerunFailed, Consumer<String> progress,
            IntConsumer afterRound) throws IOException {
        long start = System.nanoTime();
        ResultsStore store = new ResultsStore(spec.output(),
                SweepSpec.withSettings(spark.sparkContext().hadoopConfiguration(), spec.hadoopSettings()));
        Map<String, String> outcomes = new HashMap<>();
        List<SweepRunner.RunReport> trained = new ArrayList<>();
        int round = 0;
        while (true) {
            List<State> states = states(spec, store, outcomes, rerunFailed && round == 0);
            writeBoundaries(spec, store, states);
            List<TrainConfig> next = next(spec, states, slots);
            if (next.isEmpty()) {
                return new Outcome(round, trained, states, (System.nanoTime() - start) / 1e9);
            }
            round++;
            long open = states.stream().filter(s -> s.status() == Bracket.Status.OPEN).count();
            progress.accept(String.format("search round %d: %d run%s for %d open search%s%s", round, next.size(),
                    next.size() == 1 ? "" : "s", open, open == 1 ? "" : "es",
                    spec.search().plane() ? "" : " (" + k(states, slots) + " per flip)"));
            Set<String> before = store.runIds(Tables.RUNS);
            SweepRunner.Outcome o = SweepRunner.run(spark, spec, new SweepRunner.Plan(next, next, null),
                    rerunFailed && round == 1, progress);
            trained.addAll(o.trained());
            if (before.containsAll(store.runIds(Tables.RUNS)) && !(rerunFailed && round == 1)) {
                throw new IllegalStateException("search round " + round + " committed no run; rerun the same command to resume");
            }
            afterRound.accept(round);
        }
    }

    /** Points per open flip this round: the slots shared among the open flips (a search not yet begun is one). */
    static int k(List<State> states, int slots) {
        int flips = 0;
        for (State s : states) {
            if (s.bracket() != null && s.bracket().status() == Bracket.Status.OPEN) {
                flips += Math.max(1, (int) s.bracket().flips().stream().filter(f -> f.upper() - f.lower() > 1).count());
            }
        }
        return Math.max(1, slots / Math.max(1, flips));
    }

    /** The runs of the next round, each once. */
    static List<TrainConfig> next(SweepSpec spec, List<State> states, int slots) {
        int k = k(states, slots);
        Map<String, TrainConfig> out = new LinkedHashMap<>();
        for (State s : states) {
            for (int i : s.quad() != null ? s.quad().next() : s.bracket().next(k)) {
                TrainConfig c = point(spec.search(), s, i);
                out.putIfAbsent(c.runId(), c);
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * Every search of the spec as its committed runs say; {@code outcomes} caches outcomes read
     * (a committed run's never changes). Runs that failed or timed out are no evidence either way
     * (a diverged run is: its metrics say it did not grok); with {@code retryFailed} they count as untried.
     */
    public static List<State> states(SweepSpec spec, ResultsStore store, Map<String, String> outcomes, boolean retryFailed)
            throws IOException {
        Search search = spec.search();
        Set<String> committed = store.runIds(Tables.RUNS);
        Map<String, String> status = null;
        Map<String, List<Row>> compacted = null;
        List<State> out = new ArrayList<>();
        for (TrainConfig base : Grid.expand(spec)) {
            Map<Integer, String> known = new TreeMap<>();
            Set<Integer> failed = new TreeSet<>();
            Map<Integer, String> ids = new TreeMap<>();
            int points = search.plane() ? (search.last() + 1) * (search.axes().get(1).last() + 1) : search.last() + 1;
            State shape = new State(base, null, search.plane() ? new Quadtree(search.last(), search.axes().get(1).last(),
                    Map.of(), Set.of()) : null, Map.of());
            for (int i = 0; i < points; i++) {
                String id = point(search, shape, i).runId();
                if (!committed.contains(id)) {
                    continue;
                }
                if (status == null) {
                    status = new HashMap<>();
                    for (Row r : store.readAll(Tables.RUNS)) {
                        status.put(r.getString("run_id"), r.getString("status"));
                    }
                }
                if (RunStatus.of(status.get(id)).retryable()) { // failed or timed out: no evidence; diverged is an outcome
                    if (!retryFailed) {
                        failed.add(i);
                        ids.put(i, id);
                    }
                    continue;
                }
                if (!outcomes.containsKey(id)) {
                    List<Row> metrics;
                    if (store.exists(Layout.run(Tables.METRICS, id))) {
                        metrics = store.read(Tables.METRICS, id);
                    } else { // compacted: read the table once, by run
                        if (compacted == null) {
                            compacted = new HashMap<>();
                            for (Row r : store.readAll(Tables.METRICS)) {
                                compacted.computeIfAbsent(r.getString("run_id"), x -> new ArrayList<>()).add(r);
                            }
                        }
                        metrics = compacted.getOrDefault(id, List.of());
                    }
                    outcomes.put(id, search.category(metrics));
                }
                known.put(i, outcomes.get(id));
                ids.put(i, id);
            }
            if (search.plane()) { // its runs: those the tree reads, not every committed point of the plane
                Quadtree quad = new Quadtree(search.last(), search.axes().get(1).last(), known, failed);
                Set<Integer> read = new TreeSet<>(quad.used());
                read.addAll(failed);
                ids.keySet().retainAll(read);
                out.add(new State(base, null, quad, ids));
            } else {
                Map<Integer, Boolean> yes = new TreeMap<>();
                known.forEach((i, c) -> yes.put(i, c.equals("yes")));
                out.add(new State(base, new Bracket(search.last(), yes, failed), ids));
            }
        }
        return out;
    }

    /** The run at lattice point (or quadtree key) i of a search. */
    static TrainConfig point(Search search, State s, int i) {
        if (s.quad() == null) {
            return search.point(s.base(), i);
        }
        int height = s.quad().lastY() + 1;
        return search.point(s.base(), i / height, i % height);
    }

    /** The cells table's rows of two-axis searches ({@link Tables#CELLS}): every leaf of each quadtree. */
    public static List<Row> cells(SweepSpec spec, List<State> states) {
        Search search = spec.search();
        Search.Lattice x = search.axes().get(0), y = search.axes().get(1);
        List<Row> rows = new ArrayList<>();
        for (State s : states) {
            Map<Integer, String> inferred = s.quad().inferred();
            for (Quadtree.Cell c : s.quad().leaves()) {
                long untrained = IntStream.of(s.quad().key(c.x0(), c.y0()), s.quad().key(c.x0(), c.y1()),
                        s.quad().key(c.x1(), c.y0()), s.quad().key(c.x1(), c.y1())).filter(inferred::containsKey).count();
                rows.add(Tables.CELLS.row().set("sweep", spec.name() + "-" + spec.hash()).set("search", describe(spec, s.base()))
                        .set("x_axis", x.axis()).set("y_axis", y.axis()).set("outcome", search.outcome().key())
                        .set("status", s.status().name().toLowerCase(Locale.ROOT))
                        .set("x_lower", number(x.value(c.x0()))).set("x_upper", number(x.value(c.x1())))
                        .set("y_lower", number(y.value(c.y0()))).set("y_upper", number(y.value(c.y1())))
                        .set("cell", c.outcome()).set("inferred", (int) untrained).set("runs", s.runIds().size())
                        .set("failed", s.quad().failed().size()));
            }
        }
        return rows;
    }

    private static double number(Object v) {
        return ((Number) v).doubleValue();
    }

    /** The boundaries table's rows of one-axis searches ({@link Tables#BOUNDARIES}). */
    public static List<Row> boundaries(SweepSpec spec, List<State> states) {
        Search search = spec.search();
        List<Row> rows = new ArrayList<>();
        for (State s : states) {
            Bracket b = s.bracket();
            StringJoiner points = new StringJoiner(" ");
            s.runIds().keySet().forEach(i -> points.add(search.value(i) + ":"
                    + (b.failed().contains(i) ? "failed" : b.known().get(i) ? "yes" : "no")));
            List<Bracket.Flip> flips = b.flips();
            for (int f = 0; f < Math.max(1, flips.size()); f++) {
                Row r = Tables.BOUNDARIES.row().set("sweep", spec.name() + "-" + spec.hash())
                        .set("search", describe(spec, s.base())).set("axis", search.axis())
                        .set("outcome", search.outcome().key()).set("status", b.status().name().toLowerCase(Locale.ROOT))
                        .set("flips", flips.size()).set("runs", s.runIds().size()).set("failed", b.failed().size())
                        .set("points", points.toString()).set("run_ids", String.join(" ", s.runIds().values()));
                if (!flips.isEmpty()) {
                    Bracket.Flip flip = flips.get(f);
                    r.set("flip", f + 1).set("lower", ((Number) search.value(flip.lower())).doubleValue())
                            .set("upper", ((Number) search.value(flip.upper())).doubleValue())
                            .set("outcome_above", !flip.below());
                }
                rows.add(r);
            }
        }
        return rows;
    }

    /** A search's grid combination as its axes' values, e.g. "seed=1, weight_decay=1.0" ("all" without axes). */
    static String describe(SweepSpec spec, TrainConfig base) {
        StringJoiner s = new StringJoiner(", ");
        spec.axes().forEach(a -> s.add(a + "=" + base.value(a)));
        return s.length() == 0 ? "all" : s.toString();
    }

    private static void writeBoundaries(SweepSpec spec, ResultsStore store, List<State> states) throws IOException {
        if (spec.search().plane()) {
            store.write(Tables.CELLS, spec.name() + "-" + spec.hash(), cells(spec, states));
        } else {
            store.write(Tables.BOUNDARIES, spec.name() + "-" + spec.hash(), boundaries(spec, states));
        }
    }
}
