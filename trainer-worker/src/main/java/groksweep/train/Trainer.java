package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import groksweep.config.TrainConfig;
import groksweep.measures.Llc;
import groksweep.measures.ProgressMeasures;
import groksweep.model.GradMode;
import groksweep.model.Model;
import groksweep.model.Runs;
import groksweep.model.Subnormals;
import groksweep.results.Onsets;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Trains R ≥ 1 runs of one shape together as one model with a run axis ({@link Model}): each step
 * is one forward and backward of all of them and one update ({@link Optimizer}), on the full train
 * set or on each run's own mini-batch ({@link Batches}), so a single run is R = 1. Train metrics are
 * over the whole train set either way. Metrics every {@code eval_every} steps and at the end, progress measures
 * every {@code analysis_every} steps and at the end; step s's metrics are measured after s
 * updates. Each run keeps its own data, seeds and numbers, and leaves when it ends (its steps,
 * stop_after_grok, divergence, or cancellation), handed to {@link Finished} at once with its rows
 * and final parameters, exactly as it would have ended alone: a test holds the two to 1e-9 in
 * float64, with every option. Native memory: the model, optimizer state and data live in the
 * trainer's manager; each step runs in a sub-manager closed at its end, and only Java values leave it.
 */
public final class Trainer {

    /** What the caller sees as a run goes. Default methods: implement only what you need. */
    public interface Listener {
        default void onMetrics(MetricRow row) {}

        default void onMemorised(int step) {}

        default void onGrokked(int step) {}

        /**
         * After the update that produced step {@code step}'s parameters; {@code state} gives the
         * run's model and optimizer to save, valid during this call only.
         */
        default void afterUpdate(int step, Supplier<Resumed> state) {}
    }

    /** How a run ended; {@code onsets} as followed live (for messages; the results' onsets come from the metrics). */
    public record Result(
            RunStatus status,
            StopReason stopReason,
            String message,
            int finalStep,
            Onsets onsets,
            List<MetricRow> metrics,
            double wallSeconds,
            double msPerStep) {

        public MetricRow last() {
            return metrics.isEmpty() ? null : metrics.get(metrics.size() - 1);
        }
    }

    /** A single run's model and optimizer, as a checkpoint holds them. */
    public record Resumed(Model model, Optimizer optimizer) {}

    /** One run joining: fresh ({@code resumed} null) or from a checkpoint, with its earlier rows. */
    public record Member(TrainConfig config, Split split, Model model, Optimizer resumed, List<MetricRow> previous,
            Listener listener) {

        /** A fresh run: parameters from its init seed and its split from its data seed, in {@code manager}. */
        public static Member fresh(TrainConfig c, NDManager manager, Listener listener) {
            return new Member(c, Split.of(c), Model.initialise(c, manager), null, List.of(), listener);
        }
    }

    /** Called once per run, as it leaves, with its result and its final parameters (R = 1, in the trainer's manager). */
    public interface Finished {
        void accept(Member member, Result result, Model model);
    }

    /**
     * Rows per evaluation forward, over all runs: activations of a few thousand examples stay in
     * cache, which makes the held-out pass ~30% faster than one batch of all of them.
     */
    static final int EVAL_CHUNK = 4096;

    private final NDManager manager;
    private final TrainConfig shape; // any run's config: every option that shapes the step is shared
    private final List<Lane> lanes = new ArrayList<>(); // the runs still training, in run-axis order
    private Model model;
    private Optimizer optimizer;
    private final NDList all; // every pair: a, b, labels, for the progress measures
    private Batch train;
    private List<Batch> test;

    /** A run's progress. */
    private static final class Lane {
        final Member member;
        final List<MetricRow> rows;
        final Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
        final long start = System.nanoTime();
        final int first;
        final Batches batches; // null: full batch

        Lane(Member member, int first) {
            this.member = member;
            this.rows = new ArrayList<>(member.previous());
            this.first = first;
            this.batches = Batches.of(member.config());
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

    /**
     * The members must share {@link TrainConfig#packKey} and (when resumed) their updates done; their
     * models and optimizer states are copied into {@code manager}.
     */
    public Trainer(List<Member> members, NDManager manager) {
        this.manager = manager;
        this.shape = members.get(0).config();
        for (Member m : members) {
            if (!m.config().packKey().equals(shape.packKey())) {
                throw new IllegalArgumentException("run " + m.config().runId() + " cannot train beside " + shape.runId());
            }
            int updates = m.resumed() == null ? 0 : m.resumed().updatesDone();
            if (!lanes.isEmpty() && updates != lanes.get(0).first) {
                throw new IllegalArgumentException("run " + m.config().runId() + " resumes at update " + updates
                        + ", not " + lanes.get(0).first);
            }
            lanes.add(new Lane(m, updates));
        }
        this.model = Model.stack(members.stream().map(Member::model).toList(), manager);
        List<TrainConfig> configs = members.stream().map(Member::config).toList();
        if (members.get(0).resumed() == null) {
            this.optimizer = new Optimizer(configs, model.params());
        } else {
            try (NDManager states = manager.newSubManager()) {
                this.optimizer = new Optimizer(configs, model.params(),
                        members.stream().map(m -> m.resumed().state(states)).toList());
            }
        }
        int p = shape.modulus();
        int[] grid = IntStream.range(0, p * p).toArray();
        this.all = new NDList(manager.create(Split.firstOperands(p, grid)), manager.create(Split.secondOperands(p, grid)),
                manager.create(Split.labels(shape, grid)));
        data();
    }

    /** Trains one run alone to its end and returns its result. */
    public static Result alone(Member member, NDManager manager, BooleanSupplier cancelled) {
        Result[] out = new Result[1];
        new Trainer(List.of(member), manager).train(cancelled, (m, result, model) -> out[0] = result);
        return out[0];
    }

    /** The runs' model now, [R, ...] (R: the runs still training). */
    public Model model() {
        return model;
    }

    /**
     * Trains every run to its end; {@code cancelled} is polled every step and ends all that remain
     * as timeouts. Each run is handed to {@code finished} as it leaves, before the others go on.
     */
    public void train(BooleanSupplier cancelled, Finished finished) {
        Subnormals.flush(shape.flushSubnormals()); // this thread's mode, whatever an earlier run on it set
        int step = optimizer.updatesDone();
        while (!lanes.isEmpty()) {
            List<Lane> leaving = new ArrayList<>();
            List<Result> results = new ArrayList<>();
            try (NDManager scope = manager.newSubManager()) {
                if (cancelled.getAsBoolean()) {
                    for (Lane lane : lanes) {
                        leave(lane, RunStatus.TIMEOUT, StopReason.TIMEOUT, "stopped at", step, leaving, results);
                    }
                } else {
                    step(scope, step, leaving, results);
                }
                for (int i = 0; i < leaving.size(); i++) {
                    Lane lane = leaving.get(i);
                    finished.accept(lane.member, results.get(i), model.run(lanes.indexOf(lane), scope));
                }
                if (leaving.size() < lanes.size()) {
                    int next = step + 1;
                    optimizer.step(scope, lanes.stream().anyMatch(l -> next == l.c().steps() || next % l.c().evalEvery() == 0));
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

    /** Step {@code step}'s forward and backward of every run, and the rows of those that record it. */
    private void step(NDManager scope, int step, List<Lane> leaving, List<Result> results) {
        scope.tempAttachAll(model.params(), train.arrays());
        Batch batch = shape.batchSize() == 0 ? train : minibatch(step, scope);
        NDArray logits;
        double[] trainLoss;
        try (GradMode grad = GradMode.enabled()) { // at the last step too: grad_weight_cos needs it
            logits = model.forward(batch.a(), batch.b()).logits(); // [R, B, V]
            NDArray losses = Loss.perRun(shape, logits, batch.labels()); // [R]
            trainLoss = losses.toType(DataType.FLOAT64, false).toDoubleArray();
            if (Arrays.stream(trainLoss).anyMatch(Double::isFinite)) {
                GradMode.backward(losses.sum()); // each run's gradient is its own; a diverged run's stays in its rows
            }
        }
        boolean[] record = new boolean[lanes.size()];
        boolean[] analyse = new boolean[lanes.size()];
        for (int r = 0; r < lanes.size(); r++) {
            Lane lane = lanes.get(r);
            boolean last = step == lane.c().steps();
            if (!Double.isFinite(trainLoss[r])) {
                leave(lane, RunStatus.DIVERGED, StopReason.DIVERGED, "train loss " + trainLoss[r] + " at", step, leaving,
                        results);
            } else {
                record[r] = last || step % lane.c().evalEvery() == 0;
                analyse[r] = last || (lane.c().analysisEvery() > 0 && step % lane.c().analysisEvery() == 0);
            }
        }
        for (boolean r : record) {
            if (r) {
                if (batch != train) { // the metrics are of the whole train set
                    try (GradMode noGrad = GradMode.disabled()) {
                        logits = model.forward(train.a(), train.b()).logits(); // [R, N, V]
                        trainLoss = Loss.perRun(shape, logits, train.labels()).toType(DataType.FLOAT64, false)
                                .toDoubleArray();
                    }
                }
                measure(scope, step, trainLoss, logits, record, analyse, leaving, results);
                return;
            }
        }
    }

    /** Run r's model and optimizer now, as a checkpoint holds them, copied into {@code into}. */
    private Resumed resumed(int r, NDManager into) {
        TrainConfig c = lanes.get(r).c();
        Model alone = model.run(r, into);
        return new Resumed(alone, new Optimizer(c, alone.params(), optimizer.state(r, into)));
    }

    /**
     * The rows of the runs that record this step: train values from a forward of the whole train set
     * ({@code logits}) and the gradients this step left in the parameters, then the held-out pass, then the
     * progress measures (one run at a time: a pack's peak memory is one run's). A run that stops
     * here leaves.
     */
    private void measure(NDManager scope, int step, double[] trainLoss, NDArray logits, boolean[] record,
            boolean[] analyse, List<Lane> leaving, List<Result> results) {
        try (GradMode noGrad = GradMode.disabled()) {
            int runs = lanes.size();
            long[] predicted = logits.argMax(2).toType(DataType.INT64, false).toLongArray(); // [R·N]
            double[] collapse = Loss.softmaxCollapsePerRun(logits);
            double[] testLoss = new double[runs];
            long[] testCorrect = new long[runs];
            int testSize = 0;
            for (Batch chunk : test) {
                try (NDManager one = scope.newSubManager()) { // frees each chunk's activations before the next
                    one.tempAttachAll(model.params(), chunk.arrays());
                    NDArray out = model.forward(chunk.a(), chunk.b()).logits(); // [R, chunk, V]
                    double[] loss = Loss.perRun(shape, out, chunk.labels()).toType(DataType.FLOAT64, false).toDoubleArray();
                    long[] right = correct(out, chunk.labels());
                    for (int r = 0; r < runs; r++) {
                        testLoss[r] += loss[r] * chunk.size();
                        testCorrect[r] += right[r];
                    }
                    testSize += chunk.size();
                }
            }
            double[] weightSq = model.sumSquaredWeights();
            double[] gradCos = gradWeightCosine(weightSq);
            for (int r = 0; r < runs; r++) {
                if (!record[r]) {
                    continue;
                }
                Lane lane = lanes.get(r);
                TrainConfig c = lane.c();
                Double updateNorm = step == 0 || Double.isNaN(optimizer.updateNorm(r)) ? null : optimizer.updateNorm(r);
                Split split = lane.member.split();
                long[] mine = Arrays.copyOfRange(predicted, r * train.size(), (r + 1) * train.size());
                MetricRow row = new MetricRow(step, trainLoss[r], share(mine, split.trainLabels(), 0, train.size()),
                        testLoss[r] / testSize, testCorrect[r] / (double) testSize, Optimizer.learningRate(c, step + 1),
                        weightSq[r], updateNorm, gradCos[r], collapse[r],
                        lane.batches == null ? step : lane.batches.epoch(step), noisy(c, split, mine),
                        c.llcEvery() > 0 && (step % c.llcEvery() == 0 || step == c.steps()) ? llc(scope, r, step) : null,
                        null);
                Trainer.observe(lane.onsets, row, lane.member.listener());
                boolean last = step == c.steps();
                boolean stop = !last && lane.onsets.grokked() != null && c.stopAfterGrok() >= 0
                        && step - lane.onsets.grokked() >= c.stopAfterGrok();
                if (analyse[r] || stop) { // the last row always has the progress measures
                    ProgressMeasures measures;
                    try (NDManager one = scope.newSubManager()) {
                        one.tempAttachAll(all);
                        measures = ProgressMeasures.measure(c, model.run(r, one), all.get(0), all.get(1), all.get(2),
                                lane.member.split().train());
                    }
                    row = row.with(measures);
                }
                lane.rows.add(row);
                lane.member.listener().onMetrics(row);
                if (stop || last) {
                    leave(lane, RunStatus.OK, stop ? StopReason.GROKKED : StopReason.STEPS, null, step, leaving, results);
                }
            }
        }
    }

    /** Run r's local learning coefficient at this step, on copies of its parameters and its train set ({@link Llc}). */
    private Llc.Estimate llc(NDManager scope, int r, int step) {
        TrainConfig c = lanes.get(r).c();
        try (NDManager one = scope.newSubManager()) {
            one.tempAttachAll(train.arrays());
            NDIndex row = new NDIndex("{}:{}", r, r + 1);
            NDArray a = train.a().get(row), b = train.b().get(row), labels = train.labels().get(row); // [1, N]
            Model alone = model.run(r, one);
            return Llc.estimate(alone.params(), w -> Loss.perRun(c, alone.with(w).forward(a, b).logits(), labels).sum(),
                    Llc.Settings.of(c), Llc.seed(c, step));
        }
    }

    /** cos(∇L, θ) over all parameters, per run: near −1 when descent only scales the weights up (Prieto et al.'s NLM). */
    private double[] gradWeightCosine(double[] weightSq) {
        double[] dot = new double[weightSq.length], gg = new double[weightSq.length];
        for (NDArray w : model.params()) {
            NDArray g = JniUtils.getGradient((PtNDArray) w);
            add(dot, Runs.dotSums(g, w));
            add(gg, Runs.squareSums(g));
        }
        double[] cos = new double[weightSq.length];
        Arrays.setAll(cos, r -> dot[r] / Math.sqrt(gg[r] * weightSq[r]));
        return cos;
    }

    /** Feeds {@code r} to {@code onsets} and tells {@code listener} of the onsets it brings. */
    static void observe(Onsets onsets, MetricRow r, Listener listener) {
        Integer memorised = onsets.memorised();
        Integer grokked = onsets.grokked();
        onsets.observe(r.step(), r.trainAcc(), r.testAcc());
        if (memorised == null && onsets.memorised() != null) {
            listener.onMemorised(r.step());
        }
        if (grokked == null && onsets.grokked() != null) {
            listener.onGrokked(r.step());
        }
    }

    /** Ends a run at {@code step}; {@code why} (null when it finished) gets " step N" appended. */
    private void leave(Lane lane, RunStatus status, StopReason reason, String why, int step, List<Lane> leaving,
            List<Result> results) {
        double seconds = (System.nanoTime() - lane.start) / 1e9;
        int updates = Math.max(1, step - lane.first);
        leaving.add(lane);
        results.add(new Result(status, reason, why == null ? null : why + " step " + step, step, lane.onsets, lane.rows,
                seconds, 1e3 * seconds / updates));
    }

    /** Drops the runs that left from the model, the optimizer and the data. */
    private void shrink(List<Lane> leaving) {
        int[] kept = IntStream.range(0, lanes.size()).filter(r -> !leaving.contains(lanes.get(r))).toArray();
        lanes.removeAll(leaving);
        if (lanes.isEmpty()) {
            return;
        }
        Model before = model;
        model = model.select(kept, manager);
        optimizer = optimizer.select(kept, model.params());
        before.params().close();
        data();
    }

    /** Rebuilds the train and test batches of the runs in {@link #lanes}. */
    private void data() {
        if (train != null) {
            train.arrays().close();
            test.forEach(t -> t.arrays().close());
        }
        List<Split> splits = lanes.stream().map(l -> l.member.split()).toList();
        train = batch(splits.stream().map(Split::train).toList(), splits.stream().map(Split::trainLabels).toList(),
                manager);
        int size = splits.get(0).test().length;
        int rows = Math.max(1, EVAL_CHUNK / lanes.size()); // per run and chunk: a few thousand examples in all
        test = new ArrayList<>();
        for (int from = 0; from < size; from += rows) {
            int to = Math.min(size, from + rows);
            int f = from;
            List<int[]> pairs = splits.stream().map(s -> Arrays.copyOfRange(s.test(), f, to)).toList();
            test.add(batch(pairs, pairs.stream().map(t -> Split.labels(shape, t)).toList(), manager));
        }
    }

    /** Step {@code step}'s mini-batch of every run, each drawn from its own train pairs, in {@code scope}. */
    private Batch minibatch(int step, NDManager scope) {
        List<int[]> pairs = new ArrayList<>();
        List<long[]> labels = new ArrayList<>();
        for (Lane lane : lanes) {
            int[] positions = lane.batches.positions(step);
            Split split = lane.member.split();
            pairs.add(Arrays.stream(positions).map(i -> split.train()[i]).toArray());
            labels.add(Arrays.stream(positions).mapToLong(i -> split.trainLabels()[i]).toArray());
        }
        return batch(pairs, labels, scope);
    }

    /** The examples (a, b) of each run's pairs with the given labels (the same number for each run), in {@code into}. */
    private Batch batch(List<int[]> pairs, List<long[]> labels, NDManager into) {
        int p = shape.modulus();
        int size = pairs.get(0).length;
        long[] a = new long[pairs.size() * size], b = new long[a.length], y = new long[a.length];
        for (int r = 0; r < pairs.size(); r++) {
            System.arraycopy(Split.firstOperands(p, pairs.get(r)), 0, a, r * size, size);
            System.arraycopy(Split.secondOperands(p, pairs.get(r)), 0, b, r * size, size);
            System.arraycopy(labels.get(r), 0, y, r * size, size);
        }
        Shape s = new Shape(pairs.size(), size);
        return new Batch(into.create(a, s), into.create(b, s), into.create(y, s), size);
    }

    /** The share of positions from..to−1 where {@code predicted} equals {@code labels}. */
    private static double share(long[] predicted, long[] labels, int from, int to) {
        int right = 0;
        for (int i = from; i < to; i++) {
            right += predicted[i] == labels[i] ? 1 : 0;
        }
        return right / (double) (to - from);
    }

    /** The train accuracies by kind of pair of a run with label noise ({@code predicted} over its train pairs), or null. */
    private static MetricRow.Noisy noisy(TrainConfig c, Split split, long[] predicted) {
        int corrupted = split.corrupted();
        if (corrupted == 0) {
            return null;
        }
        long[] truth = Split.labels(c, Arrays.copyOf(split.train(), corrupted));
        return new MetricRow.Noisy(share(predicted, split.trainLabels(), corrupted, predicted.length),
                share(predicted, split.trainLabels(), 0, corrupted), share(predicted, truth, 0, corrupted));
    }

    /** Examples whose arg-max logit is the label, per run: logits [R, B, V], labels [R, B]. */
    private static long[] correct(NDArray logits, NDArray labels) {
        return logits.argMax(2).eq(labels).toType(DataType.INT64, false).sum(new int[] {1}).toLongArray();
    }

    private static void add(double[] into, double[] values) {
        for (int i = 0; i < into.length; i++) {
            into[i] += values[i];
        }
    }
}
