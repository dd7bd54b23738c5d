package groksweep.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import groksweep.config.TrainConfig;
import groksweep.model.GradMode;
import groksweep.train.Trainer;
import groksweep.worker.Torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Times training steps and the matrix products they contain, in this JVM, on this thread. */
public final class StepTimer {
    private StepTimer() {}

    /**
     * Mean ms per step over {@code steps} steps after {@code warmup} untimed ones, with evaluation
     * and progress measures at the config's intervals (in the timed window, as in a real run).
     */
    public static double msPerStep(TrainConfig base, int threads, int warmup, int steps) {
        TrainConfig c = base.with(Map.of("steps", warmup + steps));
        Torch.useThreads(threads);
        long[] marks = new long[2];
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer.Result r = Trainer.alone(Trainer.Member.fresh(c, m, clock(marks, warmup, steps)), m, () -> false);
            if (r.status() != groksweep.results.RunStatus.OK) {
                throw new IllegalStateException("benchmark run ended " + r.status() + ": " + r.message());
            }
        }
        return (marks[1] - marks[0]) / 1e6 / steps;
    }

    /**
     * Mean ms per run and step of a pack of {@code runs} runs (seeds 0, 1, …) on one thread, over
     * {@code steps} steps after {@code warmup} untimed ones, with evaluation at the config's interval.
     */
    public static double packMsPerRunStep(TrainConfig base, int runs, int warmup, int steps) {
        Torch.useThreads(1);
        long[] marks = new long[2];
        Trainer.Listener clock = clock(marks, warmup, steps);
        try (NDManager m = NDManager.newBaseManager()) {
            List<Trainer.Member> members = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                TrainConfig c = base.with(Map.of("steps", warmup + steps, "seed", r));
                members.add(Trainer.Member.fresh(c, m, r == 0 ? clock : new Trainer.Listener() {}));
            }
            new Trainer(members, m).train(() -> false, (member, result, model) -> {
                if (result.status() != groksweep.results.RunStatus.OK) {
                    throw new IllegalStateException("benchmark run ended " + result.status() + ": " + result.message());
                }
            });
        }
        return (marks[1] - marks[0]) / 1e6 / steps / runs;
    }

    /** Notes the time into {@code marks} after update {@code warmup} and after update {@code warmup + steps}. */
    private static Trainer.Listener clock(long[] marks, int warmup, int steps) {
        return new Trainer.Listener() {
            @Override
            public void afterUpdate(int step, java.util.function.Supplier<Trainer.Resumed> state) {
                if (step == warmup) {
                    marks[0] = System.nanoTime();
                } else if (step == warmup + steps) {
                    marks[1] = System.nanoTime();
                }
            }
        };
    }

    /**
     * The floor: ms for the step's own per-example matrix products alone, forward and backward,
     * in libtorch: attention output into the MLP (H·K → M) and into the logits (H·K → V), and the
     * MLP into the logits (M → V), over the train batch.
     */
    public static double matmulFloorMs(TrainConfig c, int threads, int repeats) {
        Torch.useThreads(threads);
        long b = c.trainPairs(), m = c.dMlp(), v = c.modulus() + 1, hk = (long) c.nHeads() * c.dHead();
        long[][] products = { // {rows, inner, cols} of each forward product
            {b, hk, m}, {b, hk, v}, {b, m, v}};
        try (NDManager nd = NDManager.newBaseManager(); GradMode off = GradMode.disabled()) {
            NDArray[][] ops = new NDArray[products.length * 3][];
            int i = 0;
            for (long[] p : products) {
                NDArray x = nd.randomNormal(new Shape(p[0], p[1]));
                NDArray w = nd.randomNormal(new Shape(p[1], p[2]));
                NDArray dy = nd.randomNormal(new Shape(p[0], p[2]));
                ops[i++] = new NDArray[] {x, w}; // y = x·w
                ops[i++] = new NDArray[] {dy, w.transpose()}; // dx = dy·wᵀ
                ops[i++] = new NDArray[] {x.transpose(), dy}; // dw = xᵀ·dy
            }
            for (int r = 0; r < 3; r++) { // warm up
                runAll(nd, ops);
            }
            long t0 = System.nanoTime();
            for (int r = 0; r < repeats; r++) {
                runAll(nd, ops);
            }
            return (System.nanoTime() - t0) / 1e6 / repeats;
        }
    }

    private static void runAll(NDManager nd, NDArray[][] ops) {
        try (NDManager scope = nd.newSubManager()) {
            for (NDArray[] op : ops) {
                NDArray y = op[0].matMul(op[1]);
                y.attach(scope);
            }
        }
    }
}
