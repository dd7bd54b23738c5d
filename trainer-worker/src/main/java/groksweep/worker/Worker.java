package groksweep.worker;

import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.model.Transformer;
import groksweep.results.ResultsStore;
import groksweep.results.Tables;
import groksweep.train.MetricRow;
import groksweep.train.Split;
import groksweep.train.Trainer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Trains one run and commits it to a results root: metrics, spectra and final parameters first,
 * the run record last. Any failure becomes a run record with status failed; this never throws
 * for a problem of the run itself, so one bad run cannot fail a sweep.
 */
public final class Worker {
    private static final Logger LOG = LogManager.getLogger(Worker.class);

    /**
     * How to run: libtorch threads, a wall-clock budget (0: none), optional initial parameters
     * (.npz bytes, e.g. an exported init), where to export the initial parameters, a checkpoint
     * interval in steps (0: none), the device (cpu or gpu), and a signal to abandon the run (its task was killed): then the
     * run is not committed, and a later attempt resumes from its last checkpoint.
     */
    public record Options(int threads, long timeoutSeconds, byte[] init, Path exportInit, int checkpointEvery,
            String device, BooleanSupplier abandon) {
        public Options(int threads, long timeoutSeconds, byte[] init, Path exportInit) {
            this(threads, timeoutSeconds, init, exportInit, 0, "cpu", () -> false);
        }
    }

    /**
     * Trains and commits one run; returns its record as a map column → value (see
     * {@link Tables#RUNS}), or null when the run was abandoned and nothing was committed.
     */
    public static Map<String, Object> run(TrainConfig c, ResultsStore store, Options o, Trainer.Listener listener) {
        String runId = c.runId();
        long start = System.nanoTime();
        Trainer.Result result = null;
        String failure = null;
        int resumedFrom = 0;
        Checkpoints checkpoints = new Checkpoints(store, runId);
        Torch.useThreads(o.threads());
        try (NDManager manager = NDManager.newBaseManager(Torch.device(o.device()), "PyTorch")) {
            Checkpoints.Saved saved = o.init() == null ? checkpoints.load(c, manager) : null;
            Split split = o.init() == null ? Split.of(c) : ParamsFile.decodeSplit(c, o.init(), manager);
            if (split == null) {
                split = Split.of(c);
            }
            Trainer trainer;
            if (saved != null) {
                resumedFrom = saved.resumed().optimizer().updatesDone();
                LOG.info("run {} resumes from its checkpoint at step {}", runId, resumedFrom);
                trainer = new Trainer(c, manager, saved.resumed().model(), split, saved.resumed().optimizer());
            } else {
                Transformer model = o.init() == null ? Transformer.initialise(c, manager)
                        : ParamsFile.decodeModel(c, o.init(), manager);
                trainer = new Trainer(c, manager, model, split);
            }
            if (o.exportInit() != null) {
                Files.write(o.exportInit(), ParamsFile.encode(trainer.model(), split));
            }
            long deadline = o.timeoutSeconds() > 0 ? start + o.timeoutSeconds() * 1_000_000_000L : Long.MAX_VALUE;
            List<MetricRow> previous = saved == null ? List.of() : saved.metrics();
            Trainer.Listener saving = checkpoints.saving(o.checkpointEvery(), listener, saved);
            result = trainer.train(saving, () -> o.abandon().getAsBoolean() || System.nanoTime() > deadline, previous);
            if (o.abandon().getAsBoolean()) {
                return null;
            }
            writeTables(store, runId, result, saved, resumedFrom);
            store.writeBytes("params/" + runId + ".npz", ParamsFile.encode(trainer.model(), split));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results of run " + runId + " under " + store.root(), e);
        } catch (RuntimeException | Error e) {
            LOG.error("run {} failed", runId, e);
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        Map<String, Object> record = record(c, o.threads(), result, failure, (System.nanoTime() - start) / 1e9);
        record.put("resumed_from_step", resumedFrom);
        try {
            store.write(Tables.RUNS, runId, List.<Object[]>of(record.values().toArray()));
            checkpoints.delete();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit run " + runId + " under " + store.root(), e);
        }
        return record;
    }

    /** Metrics and spectra of the run; rows of a resumed part come from its checkpoint as written then. */
    static void writeTables(ResultsStore store, String runId, Trainer.Result result, Checkpoints.Saved saved,
            int resumed) throws IOException {
        List<Object[]> metrics = new ArrayList<>(saved == null ? List.of() : saved.metricRows());
        List<Object[]> spectra = new ArrayList<>(saved == null ? List.of() : saved.spectraRows());
        for (MetricRow r : result.metrics()) {
            if (saved != null && r.step() < resumed) {
                continue;
            }
            metrics.add(r.toRow(runId));
            if (r.measures() != null) {
                spectra.addAll(r.measures().spectraRows(runId, r.step()));
            }
        }
        store.write(Tables.METRICS, runId, metrics);
        store.write(Tables.SPECTRA, runId, spectra);
    }

    static Map<String, Object> record(TrainConfig c, int threads, Trainer.Result r, String failure, double seconds) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run_id", c.runId());
        row.putAll(c.toMap());
        MetricRow last = r == null ? null : r.last();
        row.put("status", failure != null ? "failed" : r.status().name().toLowerCase());
        row.put("stop_reason", failure != null ? "error" : r.stopReason());
        row.put("message", failure != null ? failure : r.message());
        row.put("final_step", r == null ? 0 : r.finalStep());
        row.put("memorised_step", r == null ? null : r.memorisedStep());
        row.put("grokked_step", r == null ? null : r.grokkedStep());
        row.put("final_train_loss", last == null ? null : last.trainLoss());
        row.put("final_train_acc", last == null ? null : last.trainAcc());
        row.put("final_test_loss", last == null ? null : last.testLoss());
        row.put("final_test_acc", last == null ? null : last.testAcc());
        row.put("wall_seconds", r == null ? seconds : r.wallSeconds());
        row.put("ms_per_step", r == null ? 0.0 : r.msPerStep());
        row.put("threads", threads);
        row.put("resumed_from_step", 0);
        row.put("host", hostName());
        row.put("finished_at", Instant.now().toString());
        row.put("groksweep_version", groksweep.Runtime.version());
        row.put("djl_version", Torch.djlVersion());
        row.put("libtorch_version", failure == null ? Torch.libtorchVersion() : "unknown");
        if (!List.copyOf(row.keySet()).equals(Tables.RUNS.columns().stream().map(col -> col.name()).toList())) {
            throw new IllegalStateException("run record and runs schema disagree: " + row.keySet());
        }
        return row;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
