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
import groksweep.results.Onsets;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Trains one run: full batch, one update per step, metrics every {@code eval_every} steps and at
 * the end, progress measures every {@code analysis_every} steps and at the end. Step s's metrics
 * are measured after s updates. Native memory: the model, optimizer state and data live in the
 * run's manager; each step runs in a sub-manager closed at its end, and only Java values leave it.
 */
public final class Trainer {

    /** What the caller sees as the run goes. Default methods: implement only what you need. */
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

    /** A model and optimizer restored from a checkpoint. */
    public record Resumed(Model model, Optimizer optimizer) {}

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

    private final TrainConfig c;
    private final NDManager run;
    private final Model model;
    private final Optimizer optimizer;
    private final Data train;
    private final List<Data> test; // in chunks of EVAL_CHUNK rows
    private final Data all;
    private final int[] trainPairs;

    private record Data(NDArray a, NDArray b, NDArray labels, int size) {
        static Data of(NDManager m, TrainConfig c, int[] pairs) {
            int p = c.modulus();
            return new Data(m.create(Split.firstOperands(p, pairs)), m.create(Split.secondOperands(p, pairs)),
                    m.create(Split.labels(c.op(), p, pairs)), pairs.length);
        }

        NDList arrays() {
            return new NDList(a, b, labels);
        }

        /** Views of at most {@code rows} rows each, in order. */
        List<Data> chunks(int rows) {
            List<Data> out = new ArrayList<>();
            for (int from = 0; from < size; from += rows) {
                String range = from + ":" + Math.min(size, from + rows);
                out.add(new Data(a.get(range), b.get(range), labels.get(range), Math.min(size, from + rows) - from));
            }
            return out;
        }
    }

    /**
     * Rows per evaluation forward: activations of a few thousand examples stay in cache, which makes
     * the held-out pass ~30% faster than one batch of all of them.
     */
    static final int EVAL_CHUNK = 4096;

    /** A fresh run: parameters from the init seed, data split from the data seed. */
    public Trainer(TrainConfig config, NDManager run) {
        this(config, run, Model.initialise(config, run), Split.of(config));
    }

    /** A run from given parameters and split (e.g. replayed from an exported init). */
    public Trainer(TrainConfig config, NDManager run, Model model, Split split) {
        this(config, run, model, split, null);
    }

    /** Resumes from a checkpoint's optimizer state ({@code null}: start fresh). */
    public Trainer(TrainConfig config, NDManager run, Model model, Split split, Optimizer resumed) {
        this.c = config;
        this.run = run;
        this.model = model;
        this.optimizer = resumed != null ? resumed : new Optimizer(config, model.params());
        int p = config.modulus();
        this.train = Data.of(run, config, split.train());
        this.test = Data.of(run, config, split.test()).chunks(EVAL_CHUNK);
        int[] grid = new int[p * p];
        Arrays.setAll(grid, i -> i);
        this.all = Data.of(run, config, grid);
        this.trainPairs = split.train();
    }

    public Model model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * Trains from the optimizer's current step to {@code steps}. {@code cancelled} is polled every
     * step (a per-run timeout); {@code previous} holds metric rows of an earlier attempt resumed
     * from a checkpoint, kept in the result.
     */
    public Result train(Listener listener, BooleanSupplier cancelled, List<MetricRow> previous) {
        long start = System.nanoTime();
        int first = optimizer.updatesDone();
        List<MetricRow> rows = new ArrayList<>(previous);
        Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
        previous.forEach(r -> onsets.observe(r.step(), r.trainAcc(), r.testAcc())); // replay a resumed part
        RunStatus status = RunStatus.OK;
        StopReason reason = StopReason.STEPS;
        String message = null;
        int step = first;
        for (;; step++) {
            boolean last = step == c.steps();
            boolean record = last || step % c.evalEvery() == 0;
            if (cancelled.getAsBoolean()) {
                status = RunStatus.TIMEOUT;
                reason = StopReason.TIMEOUT;
                message = "stopped at step " + step;
                break;
            }
            try (NDManager scope = run.newSubManager()) {
                scope.tempAttachAll(model.params(), train.arrays());
                double trainLoss;
                Model.Output out;
                try (GradMode grad = GradMode.enabled()) { // at the last step too: grad_weight_cos needs it
                    out = model.forward(train.a(), train.b());
                    NDArray loss = Loss.of(c, out.logits(), train.labels());
                    trainLoss = Loss.value(loss);
                    if (Double.isFinite(trainLoss)) {
                        GradMode.backward(loss);
                    }
                }
                if (!Double.isFinite(trainLoss)) {
                    status = RunStatus.DIVERGED;
                    reason = StopReason.DIVERGED;
                    message = "train loss " + trainLoss + " at step " + step;
                    break;
                }
                if (record) {
                    boolean analyse = last || (c.analysisEvery() > 0 && step % c.analysisEvery() == 0);
                    MetricRow row = measure(scope, step, trainLoss, out.logits(), analyse);
                    observe(onsets, row, listener);
                    boolean stop = !last && onsets.grokked() != null && c.stopAfterGrok() >= 0
                            && step - onsets.grokked() >= c.stopAfterGrok();
                    if (stop && row.measures() == null) { // the last row always has the progress measures
                        row = measure(scope, step, trainLoss, out.logits(), true);
                    }
                    rows.add(row);
                    listener.onMetrics(row);
                    if (stop) {
                        reason = StopReason.GROKKED;
                        break;
                    }
                }
                if (last) {
                    break;
                }
                optimizer.step(scope, step + 1 == c.steps() || (step + 1) % c.evalEvery() == 0);
            }
            listener.afterUpdate(step + 1, () -> new Resumed(model, optimizer));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int updates = Math.max(1, step - first);
        return new Result(status, reason, message, step, onsets, rows, seconds, 1e3 * seconds / updates);
    }

    /**
     * Step {@code step}'s row: train values from this step's forward ({@code trainLogits}) and the
     * gradients it left in the parameters, then the held-out pass, then the progress measures.
     */
    /** cos(∇L, θ) over all parameters: near −1 when descent only scales the weights up (Prieto et al.'s NLM). */
    private double gradWeightCosine() {
        double dot = 0, gg = 0, ww = 0;
        for (NDArray w : model.params()) {
            NDArray g = JniUtils.getGradient((PtNDArray) w).toType(DataType.FLOAT64, false);
            NDArray w64 = w.toType(DataType.FLOAT64, false);
            dot += g.mul(w64).sum().getDouble();
            gg += g.square().sum().getDouble();
            ww += w64.square().sum().getDouble();
        }
        return dot / Math.sqrt(gg * ww);
    }

    private MetricRow measure(NDManager scope, int step, double trainLoss, NDArray trainLogits, boolean analyse) {
        try (GradMode noGrad = GradMode.disabled()) {
            double trainAcc = Model.correct(trainLogits, train.labels()) / (double) train.size();
            double collapse = Loss.softmaxCollapse(trainLogits);
            double testLoss = 0;
            long testCorrect = 0;
            int testSize = 0;
            for (Data chunk : test) {
                try (NDManager one = scope.newSubManager()) { // frees each chunk's activations before the next
                    one.tempAttachAll(model.params(), chunk.arrays());
                    NDArray logits = model.forward(chunk.a(), chunk.b()).logits();
                    testLoss += Loss.value(Loss.of(c, logits, chunk.labels())) * chunk.size();
                    testCorrect += Model.correct(logits, chunk.labels());
                    testSize += chunk.size();
                }
            }
            testLoss /= testSize;
            double testAcc = testCorrect / (double) testSize;
            ProgressMeasures measures = null;
            if (analyse) {
                try (NDManager one = scope.newSubManager()) {
                    one.tempAttachAll(model.params(), all.arrays());
                    measures = ProgressMeasures.compute(model, c.op(), all.a(), all.b(), all.labels(), trainPairs,
                            c.keyFreqMinNeurons());
                }
            }
            double lr = Optimizer.learningRate(c, step + 1);
            Double updateNorm = step == 0 || Double.isNaN(optimizer.updateNorm()) ? null : optimizer.updateNorm();
            return new MetricRow(step, trainLoss, trainAcc, testLoss, testAcc, lr, model.sumSquaredWeights(),
                    updateNorm, gradWeightCosine(), collapse, measures);
        }
    }
}
