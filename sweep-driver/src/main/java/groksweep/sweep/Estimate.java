package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.worker.StepCost;
import groksweep.worker.StepCosts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What a sweep's pending runs will cost, before it starts: core-hours, and wall time on the task
 * slots it will get. Each run shape (the options that shape a step, {@link TrainConfig#packKey})
 * is timed on this machine for a moment ({@link StepCost}), with as many copies at once as the
 * sweep will run here; shapes beyond the calibration budget are carried over from the nearest
 * timed one. A run that may stop after grokking is counted at its full steps, so the estimate
 * is then an upper bound. Wall time places the tasks (packs) in the sweep's order, longest first,
 * on the slots as they free up, as Spark does.
 *
 * @param coreHours   task time × threads per run
 * @param wallSeconds on {@code slots} slots; NaN when the slots are not known
 * @param upperBound  whether some run may stop early (stop_after_grok)
 */
public record Estimate(double coreHours, double wallSeconds, int slots, int tasks, int shapesTimed, int timedEarlier,
        int shapes, boolean upperBound, double calibrationSeconds) {

    /** The shortest time one shape is timed for. */
    static final Duration MIN_PER_SHAPE = Duration.ofMillis(250);

    /**
     * The estimate for {@code pending} under {@code spec} on {@code slots} task slots (0: not
     * known), timing shapes with {@code concurrent} copies at once, for about {@code budget} in all.
     * Shapes are timed in order of their share of the work, each family's (shapes that differ only
     * in train fraction) largest first, each for its share of the budget (at least
     * {@link #MIN_PER_SHAPE}), until the budget is spent.
     */
    public static Estimate of(SweepSpec spec, List<TrainConfig> pending, int slots, int concurrent, Duration budget) {
        List<List<TrainConfig>> packs = SweepRunner.packs(pending, SweepRunner.packSize(spec));
        Map<String, List<TrainConfig>> shapes = new LinkedHashMap<>(); // each shape's largest pack
        Map<String, Long> work = new LinkedHashMap<>();
        for (List<TrainConfig> pack : packs) {
            String key = pack.get(0).packKey();
            shapes.merge(key, pack, (a, b) -> a.size() >= b.size() ? a : b);
            work.merge(key, pack.stream().mapToLong(Grid::cost).sum(), Long::sum);
        }
        List<String> order = new ArrayList<>(shapes.keySet());
        order.sort(Comparator.comparingLong((String k) -> -work.get(k)));
        Set<String> seenFamilies = new HashSet<>();
        List<String> firsts = order.stream().filter(k -> seenFamilies.add(family(shapes.get(k).get(0)))).toList();
        order.removeAll(firsts);
        order.addAll(0, firsts);
        Duration each = budget.dividedBy(shapes.size());
        each = each.compareTo(MIN_PER_SHAPE) < 0 ? MIN_PER_SHAPE : each;
        Map<String, StepCost> timed = new LinkedHashMap<>();
        StepCosts costs = StepCosts.here();
        int earlier = 0;
        long start = 0;
        for (String key : order) {
            if (start == 0 && !costs.known(shapes.get(key), spec.device(), spec.threadsPerRun(), concurrent)) {
                groksweep.worker.Torch.engine(); // loaded once per JVM, and only to time: not part of the budget
                start = System.nanoTime();
            }
            if (start != 0 && !timed.isEmpty() && System.nanoTime() - start > budget.toNanos()) {
                break;
            }
            StepCosts.Timed t = costs.cost(shapes.get(key), spec.device(), spec.threadsPerRun(), concurrent, each);
            timed.put(key, t.cost());
            earlier += t.earlier() ? 1 : 0;
        }
        List<Double> taskSeconds = new ArrayList<>();
        for (List<TrainConfig> pack : packs) {
            StepCost cost = cost(pack.get(0), timed, shapes);
            taskSeconds.add(pack.stream().mapToDouble(cost::seconds).max().orElse(0));
        }
        double coreHours = taskSeconds.stream().mapToDouble(Double::doubleValue).sum() * spec.threadsPerRun() / 3600;
        boolean upper = pending.stream().anyMatch(c -> c.stopAfterGrok() >= 0);
        return new Estimate(coreHours, slots > 0 ? wall(taskSeconds, slots) : Double.NaN, slots, packs.size(),
                timed.size(), earlier, shapes.size(), upper, start == 0 ? 0 : (System.nanoTime() - start) / 1e9);
    }

    /** The shape with the train fraction left out: shapes of one family differ only in their pairs. */
    private static String family(TrainConfig c) {
        return c.with("train_fraction", TrainConfig.defaults().trainFraction()).packKey();
    }

    /**
     * A shape's cost: timed, or carried over from the timed shape nearest to it in train pairs, of
     * its own family where one was timed ({@link StepCost#scaled}).
     */
    private static StepCost cost(TrainConfig c, Map<String, StepCost> timed, Map<String, List<TrainConfig>> shapes) {
        StepCost own = timed.get(c.packKey());
        if (own != null) {
            return own;
        }
        TrainConfig nearest = timed.keySet().stream().map(k -> shapes.get(k).get(0))
                .min(Comparator.comparing((TrainConfig t) -> !family(t).equals(family(c)))
                        .thenComparingDouble(t -> Math.abs(Math.log(t.trainPairs() / (double) c.trainPairs()))))
                .orElseThrow();
        return timed.get(nearest.packKey()).scaled(nearest, c);
    }

    /** When the last task ends if each starts, in order, on the first slot to free up. */
    static double wall(List<Double> taskSeconds, int slots) {
        PriorityQueue<Double> free = new PriorityQueue<>();
        for (int s = 0; s < slots; s++) {
            free.add(0.0);
        }
        double end = 0;
        for (double t : taskSeconds) {
            double done = free.poll() + t;
            end = Math.max(end, done);
            free.add(done);
        }
        return end;
    }

    /** One line: core-hours, wall time on the slots, and what it rests on. */
    public String line() {
        String wall = Double.isNaN(wallSeconds)
                ? "wall time depends on the cluster's free cores (give spark.executor.instances and spark.executor.cores,"
                        + " or spark.cores.max, to have it estimated)"
                : "about " + Progress.duration(wallSeconds) + " on " + slots + " task slot" + (slots == 1 ? "" : "s")
                        + " (" + tasks + " task" + (tasks == 1 ? "" : "s") + ")";
        return String.format("estimate: %.2f core-hours, %s%s; %d of %d run shape%s timed on this machine in %.1f s%s",
                coreHours, wall, upperBound ? "; an upper bound: runs that stop after grokking are counted at their full steps" : "",
                shapesTimed, shapes, shapes == 1 ? "" : "s", calibrationSeconds,
                timedEarlier == 0 ? "" : " (" + timedEarlier + " timed by an earlier sweep)");
    }
}
