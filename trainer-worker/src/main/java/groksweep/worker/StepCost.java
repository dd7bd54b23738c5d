package groksweep.worker;

import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.train.Trainer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a step of one run shape costs on this machine, in milliseconds, measured by training it
 * for a moment: an update (forward, backward, optimizer), an evaluation on top of it (train and
 * held-out loss and accuracy, every {@code eval_every} steps) and the progress measures on top of
 * that (every {@code analysis_every} steps). A pack is timed as a pack; the cost is the pack's.
 */
public record StepCost(double updateMs, double evalMs, double analysisMs) {

    /** Seconds for {@code c} to train all its steps at this cost (stop_after_grok not foreseen). */
    public double seconds(TrainConfig c) {
        long steps = c.steps();
        long evals = steps / c.evalEvery() + 1;
        long analyses = c.analysisEvery() == 0 ? 1 : steps / c.analysisEvery() + 1;
        return (steps * updateMs + evals * evalMs + analyses * analysisMs) / 1000;
    }

    /**
     * This cost, timed on {@code timed}, carried over to {@code c}: an update scaled by train pairs,
     * an evaluation by held-out pairs, the progress measures by all pairs. Measured at p = 113, a
     * step is within 10% of proportional to its train pairs; an evaluation has more fixed cost.
     */
    public StepCost scaled(TrainConfig timed, TrainConfig c) {
        long all = c.op().pairs(c.modulus()), timedAll = timed.op().pairs(timed.modulus());
        return new StepCost(updateMs * c.trainPairs() / timed.trainPairs(),
                evalMs * (all - c.trainPairs()) / Math.max(1, timedAll - timed.trainPairs()),
                analysisMs * all / timedAll);
    }

    /**
     * Times the pack {@code runs} (one run: a pack of one) on {@code device} (cpu or gpu) with
     * {@code threads} libtorch threads, {@code concurrent} copies training at once on their own
     * threads, as a sweep's tasks do on one machine, for about {@code budget}: longer when a step is
     * so slow that each part has not shown twice by then (up to four times the budget, then once is
     * enough). The timed runs evaluate every third step and measure progress every sixth, so that
     * each part shows within a few steps; their own cadence comes in at {@link #seconds}.
     */
    public static StepCost measure(List<TrainConfig> runs, String device, int threads, int concurrent, Duration budget) {
        List<TrainConfig> timed = runs.stream()
                .map(c -> c.with(Map.of("steps", 100_000_000, "stop_after_grok", -1, "eval_every", Steps.EVAL_EVERY,
                        "analysis_every", Steps.ANALYSIS_EVERY)))
                .toList();
        Steps steps = new Steps(budget, System::nanoTime);
        List<Thread> copies = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int copy = 0; copy < concurrent; copy++) {
            boolean clocked = copy == 0;
            Thread t = new Thread(() -> {
                Torch.useThreads(threads);
                try (NDManager m = NDManager.newBaseManager(Torch.device(device), "PyTorch")) {
                    List<Trainer.Member> members = new ArrayList<>();
                    for (TrainConfig c : timed) {
                        members.add(Trainer.Member.fresh(c, m, clocked && members.isEmpty() ? steps : new Trainer.Listener() {}));
                    }
                    Trainer trainer = new Trainer(members, m);
                    trainer.train(steps.over::get, (member, result, model) -> {});
                } catch (RuntimeException | Error e) {
                    failure[0] = e;
                    steps.over.set(true);
                }
            }, "step-cost-" + copy);
            copies.add(t);
            t.start();
        }
        for (Thread t : copies) {
            try {
                t.join();
            } catch (InterruptedException e) {
                steps.over.set(true);
                Thread.currentThread().interrupt();
            }
        }
        if (failure[0] != null) {
            throw new IllegalStateException("timing a step of " + runs.get(0).runId() + ": " + failure[0].getMessage(), failure[0]);
        }
        return steps.cost();
    }

    /** The clock on the first run: the time of each step, classified by what the step did. */
    static final class Steps implements Trainer.Listener {
        static final int EVAL_EVERY = 3;
        static final int ANALYSIS_EVERY = 6;
        private static final int WARMUP = 3; // steps not timed: allocation and first-use costs
        final AtomicBoolean over = new AtomicBoolean();
        private final long budgetNanos;
        private final LongSupplier clock;
        private final List<Double> update = new ArrayList<>();
        private final List<Double> eval = new ArrayList<>();
        private final List<Double> analysis = new ArrayList<>();
        private long start;
        private long last;

        Steps(Duration budget, LongSupplier clock) {
            this.budgetNanos = budget.toNanos();
            this.clock = clock;
        }

        /** Called after step {@code step - 1}'s work and update {@code step}: that interval was step {@code step - 1}. */
        @Override
        public void afterUpdate(int step, Supplier<Trainer.Resumed> state) {
            long now = clock.getAsLong();
            int done = step - 1;
            if (done == WARMUP - 1) {
                start = now;
            } else if (done >= WARMUP) {
                double ms = (now - last) / 1e6;
                (done % ANALYSIS_EVERY == 0 ? analysis : done % EVAL_EVERY == 0 ? eval : update).add(ms);
                long elapsed = now - start;
                int seen = Math.min(analysis.size(), Math.min(eval.size(), update.size()));
                if (seen >= 2 && elapsed > budgetNanos || seen >= 1 && elapsed > 4 * budgetNanos) {
                    over.set(true);
                }
            }
            last = now;
        }

        StepCost cost() {
            double u = median(update);
            double e = eval.isEmpty() ? 0 : Math.max(0, median(eval) - u);
            double a = analysis.isEmpty() ? e : Math.max(0, median(analysis) - u - e);
            return new StepCost(u, e, a);
        }

        private static double median(List<Double> xs) {
            if (xs.isEmpty()) {
                return 0;
            }
            double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }
}
