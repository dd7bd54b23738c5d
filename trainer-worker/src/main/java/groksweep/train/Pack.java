package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;
import groksweep.measures.ProgressMeasures;
import groksweep.model.Model;
import groksweep.model.PackedTransformer;
import groksweep.results.Onsets;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/**
 * Trains runs of one shape together as one batched model ({@link PackedTransformer}): each step is
 * one forward and backward of all of them, and one update ({@link PackedOptimizer}). Each run keeps
 * its own data, seeds, learning rate, weight decay, betas, eps, warm-up, steps and early stop, and
 * leaves the pack when it ends (its steps, stop_after_grok, divergence, or cancellation), handed to
 * {@link Finished} at once with its rows and final parameters, exactly as {@link Trainer} would
 * have produced them alone: a test holds the two to 1e-12 in float64.
 */
public final class Pack {

    /** Options each run of a pack may set for itself; every other option is shared by the pack. */
    public static final List<String> PER_RUN = List.of("seed", "data_seed", "init_seed", "init_scale", "lr",
            "weight_decay", "beta1", "beta2", "eps", "warmup_steps", "steps", "stop_after_grok");

    /**
     * What runs must share to train in one pack, or null when {@code c} trains alone: packs hold
     * one-block transformers under AdamW or Adam, without Grokfast, ⊥Grad or a constrained norm.
     */
    public static String key(TrainConfig c) {
        boolean packable = c.model().equals("transformer") && c.nLayers() == 1
                && (c.optimizer().equals("adamw") || c.optimizer().equals("adam"))
                && c.grokfast().equals("none") && !c.orthogonalGrad() && c.fixedWeightNorm() == 0;
        if (!packable) {
            return null;
        }
        Map<String, Object> shared = new java.util.TreeMap<>(c.toMap());
        PER_RUN.forEach(shared::remove);
        return shared.toString();
    }

    /** One run joining a pack: fresh ({@code resumed} null) or from a checkpoint, with its earlier rows. */
    public record Member(TrainConfig config, Split split, Model model, Optimizer resumed, List<MetricRow> previous,
            Trainer.Listener listener) {}

    /** Called once per run, as it leaves the pack, with its result and its final parameters (in the pack's manager). */
    public interface Finished {
        void accept(Member member, Trainer.Result result, Model model);
    }

    private final NDManager manager;
    private final TrainConfig shape;
    private final List<Lane> lanes = new ArrayList<>(); // the runs still training, in pack order
    private final PackedTransformer model;
    private final PackedOptimizer optimizer;
    private final NDList all; // every pair: a, b, labels, for the progress measures
    private Batch train;
    private List<Batch> test;

    /** A run's progress in the pack. */
    private static final class Lane {
        final Member member;
        final List<MetricRow> rows;
        final Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
        final long start = System.nanoTime();
        final int first;

        Lane(Member member, int first) {
            this.member = member;
            this.rows = new ArrayList<>(member.previous());
            this.first = first;
            rows.forEach(r -> onsets.observe(r.step(), r.trainAcc(), r.testAcc())); // replay a resumed part
        }

        TrainConfig c() {
            return member.config();
        }
    }

    /** Examples of every run, one row per run: a, b, labels int64 [R, B]. */
    private record Batch(NDArray a, NDArray b, NDArray labels, int size) {
        NDList arrays() {
            return new NDList(a, b, labels);
        }
    }

    /** The members must share {@link #key} and (when resumed) their updates done. */
    public Pack(List<Member> members, NDManager manager) {
        this.manager = manager;
        this.shape = members.get(0).config();
        List<Optimizer> optimizers = new ArrayList<>();
        for (Member m : members) {
            if (!java.util.Objects.equals(key(m.config()), key(shape))) {
                throw new IllegalArgumentException("run " + m.config().runId() + " cannot share a pack with "
                        + shape.runId());
            }
            optimizers.add(m.resumed() != null ? m.resumed() : new Optimizer(m.config(), m.model().params()));
            lanes.add(new Lane(m, optimizers.get(optimizers.size() - 1).updatesDone()));
        }
        this.model = new PackedTransformer(shape, members.stream().map(Member::model).toList(), manager);
        this.optimizer = new PackedOptimizer(optimizers, manager);
        int p = shape.modulus();
        int[] grid = IntStream.range(0, p * p).toArray();
        this.all = new NDList(manager.create(Split.firstOperands(p, grid)), manager.create(Split.secondOperands(p, grid)),
                manager.create(Split.labels(shape.op(), p, grid)));
        data();
    }

    /** Rebuilds the train and test batches of the runs in {@link #lanes}. */
    private void data() {
        if (train != null) {
            train.arrays().close();
            test.forEach(t -> t.arrays().close());
        }
        train = batch(lanes.stream().map(l -> l.member.split().train()).toList());
        List<int[]> tests = lanes.stream().map(l -> l.member.split().test()).toList();
        int size = tests.get(0).length;
        int rows = Math.max(1, Trainer.EVAL_CHUNK / lanes.size()); // per run and chunk: a few thousand examples in all
        test = new ArrayList<>();
        for (int from = 0; from < size; from += rows) {
            int to = Math.min(size, from + rows);
            int f = from;
            test.add(batch(tests.stream().map(t -> Arrays.copyOfRange(t, f, to)).toList()));
        }
    }

    private Batch batch(List<int[]> pairs) {
        int p = shape.modulus();
        int size = pairs.get(0).length;
        long[] a = new long[pairs.size() * size], b = new long[a.length], labels = new long[a.length];
        for (int r = 0; r < pairs.size(); r++) {
            System.arraycopy(Split.firstOperands(p, pairs.get(r)), 0, a, r * size, size);
            System.arraycopy(Split.secondOperands(p, pairs.get(r)), 0, b, r * size, size);
            System.arraycopy(Split.labels(shape.op(), p, pairs.get(r)), 0, labels, r * size, size);
        }
        ai.djl.ndarray.types.Shape s = new ai.djl.ndarray.types.Shape(pairs.size(), size);
        return new Batch(manager.create(a, s), manager.create(b, s), manager.create(labels, s), size);
    }

    /**
     * Trains every run to its end; {@code cancelled} is polled every step and ends all that remain
     * as timeouts. Each run is handed to {@code finished} as it leaves, before the pack goes on.
     */
    public void train(BooleanSupplier cancelled, Finished finished) {
        int step = optimizer.updatesDone();
        while (!lanes.isEmpty()) {
            List<Lane> leaving = new ArrayList<>();
            List<Trainer.Result> results = new ArrayList<>();
            boolean cancel = cancelled.getAsBoolean();
            try (NDManager scope = manager.newSubManager()) {
                scope.tempAttachAll(model.params(), train.arrays());
                NDArray logits;
                double[] trainLoss;
                try (GradMode grad = GradMode.enabled()) {
                    logits = model.forward(train.a(), train.b()); // [R, B, V]
                    NDArray losses = Loss.perRun(shape, logits, train.labels()); // [R]
                    trainLoss = losses.toType(DataType.FLOAT64, false).toDoubleArray();
                    if (!cancel) {
                        GradMode.backward(losses.sum()); // each run's gradient is its own
                    }
                }
                boolean[] record = new boolean[lanes.size()];
                boolean[] analyse = new boolean[lanes.size()];
                for (int r = 0; r < lanes.size(); r++) {
                    Lane lane = lanes.get(r);
                    TrainConfig c = lane.c();
                    boolean last = step == c.steps();
                    if (cancel) {
                        leave(lane, RunStatus.TIMEOUT, StopReason.TIMEOUT, "stopped at step " + step, step, leaving, results);
                    } else if (!Double.isFinite(trainLoss[r])) {
                        leave(lane, RunStatus.DIVERGED, StopReason.DIVERGED, "train loss " + trainLoss[r] + " at step " + step,
                                step, leaving, results);
                    } else {
                        record[r] = last || step % c.evalEvery() == 0;
                        analyse[r] = last || (c.analysisEvery() > 0 && step % c.analysisEvery() == 0);
                    }
                }
                if (!cancel && any(record)) {
                    measure(scope, step, trainLoss, logits, record, analyse, leaving, results);
                }
                for (int i = 0; i < leaving.size(); i++) {
                    Lane lane = leaving.get(i);
                    finished.accept(lane.member, results.get(i), model.run(lanes.indexOf(lane), lane.c(), scope));
                }
                if (leaving.size() < lanes.size()) {
                    int next = step + 1;
                    boolean measure = lanes.stream().anyMatch(l -> next == l.c().steps() || next % l.c().evalEvery() == 0);
                    optimizer.step(scope, model.params(), lanes.stream().map(Lane::c).toList(), measure);
                }
            }
            if (!leaving.isEmpty()) {
                shrink(leaving);
            }
            step++;
            try (NDManager states = manager.newSubManager()) { // copies a checkpoint reads, freed here
                for (int r = 0; r < lanes.size(); r++) {
                    int lane = r;
                    lanes.get(r).member.listener().afterUpdate(step, () -> resumed(lane, states));
                }
            }
        }
    }

    /** Run r's model and optimizer now, as a checkpoint holds them, copied into {@code into}. */
    private Trainer.Resumed resumed(int r, NDManager into) {
        TrainConfig c = lanes.get(r).c();
        Model alone = model.run(r, c, into);
        return new Trainer.Resumed(alone, new Optimizer(c, alone.params(), optimizer.state(r, into)));
    }

    /** The rows of the runs that record this step; a run that stops here leaves. */
    private void measure(NDManager scope, int step, double[] trainLoss, NDArray logits, boolean[] record,
            boolean[] analyse, List<Lane> leaving, List<Trainer.Result> results) {
        try (GradMode noGrad = GradMode.disabled()) {
            int runs = lanes.size();
            long[] trainCorrect = correct(logits, train.labels());
            double[] collapse = Loss.softmaxCollapsePerRun(logits);
            double[] testLoss = new double[runs];
            long[] testCorrect = new long[runs];
            int testSize = 0;
            for (Batch chunk : test) {
                try (NDManager one = scope.newSubManager()) { // frees each chunk's activations before the next
                    one.tempAttachAll(model.params(), chunk.arrays());
                    NDArray out = model.forward(chunk.a(), chunk.b()); // [R, chunk, V]
                    double[] loss = Loss.perRun(shape, out, chunk.labels()).toType(DataType.FLOAT64, false).toDoubleArray();
                    long[] right = correct(out, chunk.labels());
                    for (int r = 0; r < runs; r++) {
                        testLoss[r] += loss[r] * chunk.size();
                        testCorrect[r] += right[r];
                    }
                    testSize += chunk.size();
                }
            }
            double[] weightSq = new double[runs];
            double[] dot = new double[runs], gg = new double[runs];
            for (NDArray w : model.params()) {
                NDArray w64 = w.toType(DataType.FLOAT64, false).reshape(runs, -1); // [R, size]
                NDArray g64 = JniUtils.getGradient((PtNDArray) w).toType(DataType.FLOAT64, false).reshape(runs, -1);
                add(weightSq, w64.square().sum(new int[] {1}));
                add(dot, g64.mul(w64).sum(new int[] {1}));
                add(gg, g64.square().sum(new int[] {1}));
            }
            for (int r = 0; r < runs; r++) {
                if (!record[r]) {
                    continue;
                }
                Lane lane = lanes.get(r);
                TrainConfig c = lane.c();
                Double updateNorm = step == 0 || Double.isNaN(optimizer.updateNorm(r)) ? null : optimizer.updateNorm(r);
                MetricRow row = new MetricRow(step, trainLoss[r], trainCorrect[r] / (double) train.size(),
                        testLoss[r] / testSize, testCorrect[r] / (double) testSize, Optimizer.learningRate(c, step + 1),
                        weightSq[r], updateNorm, dot[r] / Math.sqrt(gg[r] * weightSq[r]), collapse[r], null);
                Trainer.observe(lane.onsets, row, lane.member.listener());
                boolean last = step == c.steps();
                boolean stop = !last && lane.onsets.grokked() != null && c.stopAfterGrok() >= 0
                        && step - lane.onsets.grokked() >= c.stopAfterGrok();
                if (analyse[r] || stop) { // the last row always has the progress measures
                    ProgressMeasures measures;
                    try (NDManager one = scope.newSubManager()) { // one run's measures at a time: a pack's peak is one run's
                        one.tempAttachAll(all);
                        Model alone = model.run(r, c, one);
                        measures = ProgressMeasures.compute(alone, c.op(), all.get(0), all.get(1), all.get(2),
                                lane.member.split().train(), c.keyFreqMinNeurons());
                    }
                    row = new MetricRow(row.step(), row.trainLoss(), row.trainAcc(), row.testLoss(), row.testAcc(), row.lr(),
                            row.weightSqSum(), row.updateNorm(), row.gradWeightCos(), row.softmaxCollapse(), measures);
                }
                lane.rows.add(row);
                lane.member.listener().onMetrics(row);
                if (stop || last) {
                    leave(lane, RunStatus.OK, stop ? StopReason.GROKKED : StopReason.STEPS, null, step, leaving, results);
                }
            }
        }
    }

    private void leave(Lane lane, RunStatus status, StopReason reason, String message, int step, List<Lane> leaving,
            List<Trainer.Result> results) {
        double seconds = (System.nanoTime() - lane.start) / 1e9;
        int updates = Math.max(1, step - lane.first);
        leaving.add(lane);
        results.add(new Trainer.Result(status, reason, message, step, lane.onsets, lane.rows, seconds, 1e3 * seconds / updates));
    }

    /** Drops the runs that left from the model, the optimizer and the data. */
    private void shrink(List<Lane> leaving) {
        int[] kept = IntStream.range(0, lanes.size()).filter(r -> !leaving.contains(lanes.get(r))).toArray();
        lanes.removeAll(leaving);
        if (lanes.isEmpty()) {
            return;
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray index = scope.create(Arrays.stream(kept).asLongStream().toArray());
            model.keep(index);
            optimizer.keep(index, kept);
        }
        data();
    }

    /** Examples whose arg-max logit is the label, per run: logits [R, B, V], labels [R, B]. */
    private static long[] correct(NDArray logits, NDArray labels) {
        return logits.argMax(2).eq(labels).toType(DataType.INT64, false).sum(new int[] {1}).toLongArray();
    }

    private static void add(double[] into, NDArray values) {
        double[] v = values.toDoubleArray();
        for (int i = 0; i < into.length; i++) {
            into[i] += v[i];
        }
    }

    private static boolean any(boolean[] flags) {
        for (boolean f : flags) {
            if (f) {
                return true;
            }
        }
        return false;
    }
}
