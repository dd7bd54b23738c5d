package groksweep.sweep;

import groksweep.config.TrainConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Expands a spec's grid into runs: every combination of the axes over the fixed trainer options. */
public final class Grid {
    private Grid() {}

    /**
     * All runs, longest first (estimated cost = steps × train pairs) so the sweep does not end
     * waiting on one straggler; ties keep the axes' canonical order, so the result does not depend
     * on the order keys are written in. With several grids, their runs together, each run once.
     */
    public static List<TrainConfig> expand(SweepSpec spec) {
        List<Object> key = List.of(spec.grids(), spec.trainer());
        Expansion known = last;
        if (known != null && known.key().equals(key)) {
            return known.runs();
        }
        List<TrainConfig> runs = List.copyOf(expandAfresh(spec));
        last = new Expansion(key, runs);
        return runs;
    }

    /** The last spec's runs: checking a spec and planning its sweep expand it twice, 100,000 run ids each time. */
    private record Expansion(List<Object> key, List<TrainConfig> runs) {}

    private static volatile Expansion last;

    private static List<TrainConfig> expandAfresh(SweepSpec spec) {
        Map<String, TrainConfig> runs = new LinkedHashMap<>();
        for (Map<String, List<Object>> grid : spec.grids()) {
            for (TrainConfig c : expand(grid, spec.trainer())) {
                runs.putIfAbsent(c.runId(), c);
            }
        }
        List<TrainConfig> sorted = new ArrayList<>(runs.values());
        sorted.sort(Comparator.comparingLong(Grid::cost).reversed());
        return sorted;
    }

    /** Every combination of one grid's axes over the fixed trainer options. */
    private static List<TrainConfig> expand(Map<String, List<Object>> grid, Map<String, Object> trainer) {
        List<String> axes = TrainConfig.keys().stream().filter(grid::containsKey).toList();
        List<Map<String, Object>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>(trainer));
        for (String axis : axes) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : combos) {
                for (Object value : grid.get(axis)) {
                    Map<String, Object> m = new LinkedHashMap<>(partial);
                    m.put(axis, value);
                    next.add(m);
                }
            }
            combos = next;
        }
        return combos.stream().map(m -> TrainConfig.defaults().with(m)).toList();
    }

    /** Relative cost of a run: steps × train pairs (the full-batch work per step). */
    public static long cost(TrainConfig c) {
        return (long) c.steps() * c.trainPairs();
    }
}
