package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.results.Row;
import groksweep.results.Table;
import groksweep.results.Tables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/** Searches on two axes, a {@link Quadtree} per grid combination. */
final class QuadtreeSearches extends Searches {
    /** One search: its grid combination, its tree, and the runs the tree reads by key. */
    record State(TrainConfig base, Quadtree quad, Map<Integer, String> runIds) {}

    private final int height;

    QuadtreeSearches(SweepSpec spec, Set<String> retry) {
        super(spec, retry);
        height = search.axes().get(1).last() + 1;
    }

    @Override
    int points() {
        return (search.last() + 1) * height;
    }

    @Override
    TrainConfig point(TrainConfig base, int i) {
        return search.point(base, i / height, i % height);
    }

    /** The quadtree's expected runs when one straight boundary crosses the plane ({@link Quadtree#expected}). */
    @Override
    public double expectedShare() {
        return (double) Quadtree.expected(search.last(), height - 1) / points();
    }

    @Override
    Table table() {
        return Tables.CELLS;
    }

    List<State> states() {
        List<State> out = new ArrayList<>();
        for (TrainConfig base : bases) {
            Known k = known(base);
            Quadtree quad = new Quadtree(search.last(), height - 1, k.outcomes(), k.failed());
            Set<Integer> read = new TreeSet<>(quad.used()); // its runs: those the tree reads, not every committed point
            read.addAll(k.failed());
            k.runIds().keySet().retainAll(read);
            out.add(new State(base, quad, k.runIds()));
        }
        return out;
    }

    @Override
    public List<TrainConfig> next(int free, Set<String> inFlight) throws IOException {
        Map<String, TrainConfig> out = new LinkedHashMap<>();
        for (State s : states()) {
            for (int i : s.quad().next()) {
                TrainConfig c = point(s.base(), i);
                if (out.size() < free && !inFlight.contains(c.runId())) {
                    out.putIfAbsent(c.runId(), c);
                }
            }
        }
        return handOut(out.values());
    }

    @Override
    public int used() {
        return states().stream().mapToInt(s -> s.runIds().size()).sum();
    }

    /** The cells table's rows ({@link Tables#CELLS}): every leaf of each quadtree. */
    @Override
    List<Row> tableRows() {
        Search.Lattice x = search.axes().get(0), y = search.axes().get(1);
        List<Row> rows = new ArrayList<>();
        for (State s : states()) {
            Quadtree q = s.quad();
            Map<Integer, String> inferred = q.inferred();
            for (Quadtree.Cell c : q.leaves()) {
                long untrained = IntStream.of(q.key(c.x0(), c.y0()), q.key(c.x0(), c.y1()), q.key(c.x1(), c.y0()),
                        q.key(c.x1(), c.y1())).filter(inferred::containsKey).count();
                rows.add(row(s.base()).set("x_axis", x.axis()).set("y_axis", y.axis())
                        .set("status", q.status().name().toLowerCase(Locale.ROOT))
                        .set("x_lower", number(x.value(c.x0()))).set("x_upper", number(x.value(c.x1())))
                        .set("y_lower", number(y.value(c.y0()))).set("y_upper", number(y.value(c.y1())))
                        .set("cell", c.outcome()).set("inferred", (int) untrained).set("runs", s.runIds().size())
                        .set("failed", q.failed().size()));
            }
        }
        return rows;
    }
}
