package groksweep.sweep;

import groksweep.config.TrainConfig;

import java.util.List;
import java.util.Set;

/** Every run of a grid not yet committed, handed out at once: Spark queues them on the free slots. */
public final class GridStrategy implements Strategy {
    private final SweepRunner.Plan plan;
    private boolean given;

    public GridStrategy(SweepRunner.Plan plan) {
        this.plan = plan;
    }

    @Override
    public boolean oneJob() {
        return true;
    }

    @Override
    public List<TrainConfig> next(int free, Set<String> inFlight) {
        if (given) {
            return List.of();
        }
        given = true;
        return plan.pending().stream().filter(c -> !inFlight.contains(c.runId())).toList();
    }

    @Override
    public SweepRunner.Plan plan() {
        return plan;
    }

    @Override
    public int used() {
        return plan.runs().size();
    }
}
