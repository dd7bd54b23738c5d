package groksweep.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.measures.ProgressMeasures;
import groksweep.model.Transformer;
import groksweep.results.Onsets;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

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

        /** After the update that produced step {@code step}'s parameters; state may be saved. */
        default void afterUpdate(int step, Trainer trainer) {}
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
    public record Resumed(Transformer model, AdamW optimizer) {}

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
    private final Transformer model;
    private final AdamW optimizer;
    private final Data train;
    private final List<Data> test; // in chunks of EVAL_CHUNK rows
    private final Data all;
    private final NDArray trainIndex;

    private record Data(NDArray a, NDArray b, NDArray labels, int size) {
        static Data of(NDManager m, int p, int[] pairs) {
            return new Data(m.create(Split.firstOperands(p, pairs)), m.create(Split.secondOperands(p, pairs)),
                    m.create(Split.sums(p, pairs)), pairs.length);
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
        this(config, run, Transformer.initialise(config, run), Split.of(config));
    }

    /** A run from given parameters and split (e.g. replayed from an exported init). */
    public Trainer(TrainConfig config, NDManager run, Transformer model, Split split) {
        this(config, run, model, split, null);
    }

    /** Resumes from a checkpoint's optimizer state ({@code null}: start fresh). */
    public Trainer(TrainConfig config, NDManager run, Transformer model, Split split, AdamW resumed) {
        this.c = config;
        this.run = run;
        this.model = model;
        this.optimizer = resumed != null ? resumed : new AdamW(settings(config), model.params);
        int p = config.modulus();
        this.train = Data.of(run, p, split.train());
        this.test = Data.of(run, p, split.test()).chunks(EVAL_CHUNK);
        int[] grid = new int[p * p];
        Arrays.setAll(grid, i -> i);
        this.all = Data.of(run, p, grid);
        this.trainIndex = run.create(Arrays.stream(split.train()).asLongStream().toArray());
    }

    public static AdamW.Settings settings(TrainConfig c) {
        return new AdamW.Settings(c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay(), c.warmupSteps());
    }

    public Transformer model() {
        return model;
    }

    public AdamW optimizer() {
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
                scope.tempAttachAll(model.params, train.arrays());
                double trainLoss;
                double trainAcc = Double.NaN;
                try (GradMode grad = last ? GradMode.disabled() : GradMode.enabled()) {
                    Transformer.Output out = model.forward(train.a(), train.b());
                    NDArray loss = Transformer.crossEntropy(out.logits(), train.labels());
                    trainLoss = loss.getDouble();
                    if (record) {
                        trainAcc = Transformer.correct(out.logits(), train.labels()) / (double) train.size();
                    }
                    if (!last && Double.isFinite(trainLoss)) {
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
                    MetricRow row = measure(scope, step, trainLoss, trainAcc, analyse);
                    observe(onsets, row, listener);
                    boolean stop = !last && onsets.grokked() != null && c.stopAfterGrok() >= 0
                            && step - onsets.grokked() >= c.stopAfterGrok();
                    if (stop && row.measures() == null) { // the last row always has the progress measures
                        row = measure(scope, step, trainLoss, trainAcc, true);
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
                optimizer.step(scope);
            }
            listener.afterUpdate(step + 1, this);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int updates = Math.max(1, step - first);
        return new Result(status, reason, message, step, onsets, rows, seconds, 1e3 * seconds / updates);
    }

    private MetricRow measure(NDManager scope, int step, double trainLoss, double trainAcc, boolean analyse) {
        try (GradMode noGrad = GradMode.disabled()) {
            double testLoss = 0;
            long testCorrect = 0;
            int testSize = 0;
            for (Data chunk : test) {
                scope.tempAttachAll(chunk.arrays());
                NDArray logits = model.forward(chunk.a(), chunk.b()).logits();
                testLoss += Transformer.crossEntropy(logits, chunk.labels()).getDouble() * chunk.size();
                testCorrect += Transformer.correct(logits, chunk.labels());
                testSize += chunk.size();
            }
            testLoss /= testSize;
            double testAcc = testCorrect / (double) testSize;
            ProgressMeasures measures = null;
            if (analyse) {
                scope.tempAttachAll(all.arrays(), new NDList(trainIndex));
                measures = ProgressMeasures.compute(model, all.a(), all.b(), all.labels(), trainIndex,
                        c.keyFreqMinNeurons());
            }
            double lr = AdamW.learningRate(settings(c), step + 1);
            return new MetricRow(step, trainLoss, trainAcc, testLoss, testAcc, lr, model.sumSquaredWeights(), measures);
        }
    }
}
