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
     * on the order keys are written in.
     */
    public static List<TrainConfig> expand(SweepSpec spec) {
        List<String> axes = TrainConfig.keys().stream().filter(spec.grid()::containsKey).toList();
        List<Map<String, Object>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>(spec.trainer()));
        for (String axis : axes) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : combos) {
                for (Object value : spec.grid().get(axis)) {
                    Map<String, Object> m = new LinkedHashMap<>(partial);
                    m.put(axis, value);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<TrainConfig> runs = new ArrayList<>();
        for (Map<String, Object> m : combos) {
            runs.add(TrainConfig.defaults().with(m));
        }
        runs.sort(Comparator.comparingLong(Grid::cost).reversed());
        return runs;
    }

    /** Relative cost of a run: steps × train pairs (the full-batch work per step). */
    public static long cost(TrainConfig c) {
        return (long) c.steps() * c.trainPairs();
    }
}
