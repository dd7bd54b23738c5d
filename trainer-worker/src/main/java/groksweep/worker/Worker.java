package groksweep.worker;

import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.model.Model;
import groksweep.results.Layout;
import groksweep.results.Onsets;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.RunRecord;
import groksweep.results.RunStatus;
import groksweep.results.StopReason;
import groksweep.results.Table;
import groksweep.results.Tables;
import groksweep.train.Batches;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.BooleanSupplier;

/**
 * Trains one run and commits it to a results root: metrics, spectra and final parameters first,
 * the run record last. Any failure becomes a run record with status failed; this never throws
 * for a problem of the run itself, so one bad run cannot fail a sweep.
 */
public final class Worker {
    private static final Logger LOG = LogManager.getLogger(Worker.class);

    /**
     * How to run, beside what to compute: libtorch threads, a wall-clock budget, initial
     * parameters, where to export them, a checkpoint interval, the device, and a signal to abandon
     * the run (its task was killed): then nothing is committed, and a later attempt resumes from
     * its last checkpoint. Build with {@link #options()}.
     */
    public record Options(int threads, long timeoutSeconds, byte[] init, Path exportInit, int checkpointEvery,
            String device, BooleanSupplier abandon) {}

    /** Options with their defaults: 1 thread, no timeout, fresh parameters, no checkpoints, cpu. */
    public static OptionsBuilder options() {
        return new OptionsBuilder();
    }

    /** Named construction of {@link Options}; every setting optional. */
    public static final class OptionsBuilder {
        private int threads = 1;
        private long timeoutSeconds;
        private byte[] init;
        private Path exportInit;
        private int checkpointEvery;
        private String device = "cpu";
        private BooleanSupplier abandon = () -> false;

        /** libtorch intra-op threads. */
        public OptionsBuilder threads(int n) {
            this.threads = n;
            return this;
        }

        /** Wall-clock budget; the run ends as timeout after it (0: none). */
        public OptionsBuilder timeoutSeconds(long seconds) {
            this.timeoutSeconds = seconds;
            return this;
        }

        /** Initial parameters (and optionally the split) as .npz bytes, e.g. an exported init. */
        public OptionsBuilder init(byte[] npz) {
            this.init = npz;
            return this;
        }

        /** Where to write the initial parameters and split, for replay elsewhere. */
        public OptionsBuilder exportInit(Path file) {
            this.exportInit = file;
            return this;
        }

        /** Save a checkpoint every N updates (0: never). */
        public OptionsBuilder checkpointEvery(int updates) {
            this.checkpointEvery = updates;
            return this;
        }

        /** cpu or gpu. */
        public OptionsBuilder device(String name) {
            this.device = name;
            return this;
        }

        /** Polled every step: true abandons the run without committing it. */
        public OptionsBuilder abandon(BooleanSupplier signal) {
            this.abandon = signal;
            return this;
        }

        public Options build() {
            return new Options(threads, timeoutSeconds, init, exportInit, checkpointEvery, device, abandon);
        }
    }

    /** A committed run: its record, and the onsets as the trainer followed them (null: it never trained). */
    public record Outcome(RunRecord record, Onsets onsets) {}

    /** Trains and commits one run; returns its outcome, or null when the run was abandoned and nothing was committed. */
    public static Outcome run(TrainConfig c, ResultsStore store, Options o, Trainer.Listener listener) {
        return run(List.of(c), store, o, listener, outcome -> {}).get(0);
    }

    /**
     * Trains runs together ({@link Trainer}, R of them as one model) and commits each run as it
     * ends; {@code committed} hears of each at once, {@code listener} of each run's progress. Runs
     * resumed from checkpoints at the same update train on together; runs at another update, or of
     * another {@link TrainConfig#packKey}, train as their own group; runs too many for this
     * machine's memory train as two halves, one after the other. R runs get R times the timeout
     * (the time they would have had one after another). Initial parameters ({@link Options#init})
     * and their export apply to a single run. Any failure of a run or its group becomes a run
     * record with status failed; this never throws for a problem of the runs themselves, so one
     * bad run cannot fail a sweep. Returns the outcomes in order; a null entry is a run abandoned
     * with its task, nothing committed.
     */
    public static List<Outcome> run(List<TrainConfig> configs, ResultsStore store, Options o, Trainer.Listener listener,
            Consumer<Outcome> committed) {
        if (configs.size() > 1 && RunMemory.bytes(configs.get(0), configs.size()) > RunMemory.available()) {
            int half = configs.size() / 2;
            List<Outcome> out = new ArrayList<>(run(configs.subList(0, half), store, o, listener, committed));
            out.addAll(run(configs.subList(half, configs.size()), store, o, listener, committed));
            return out;
        }
        if (o.init() != null && configs.size() > 1) {
            throw new IllegalArgumentException("initial parameters are for a single run, not " + configs.size());
        }
        long start = System.nanoTime();
        long deadline = o.timeoutSeconds() > 0 ? start + configs.size() * o.timeoutSeconds() * 1_000_000_000L
                : Long.MAX_VALUE;
        Map<String, Outcome> done = new HashMap<>();
        Map<String, Integer> resumedFrom = new HashMap<>();
        String failure = null;
        try (NDManager manager = NDManager.newBaseManager(Torch.device(o.device()), "PyTorch")) {
            // Refused before anything is allocated: on a cluster the kernel would kill the executor.
            RunMemory.check(configs.get(0), configs.size(), RunMemory.available());
            Torch.useThreads(o.threads());
            Map<String, Checkpoints.Saved> saved = new HashMap<>();
            List<Trainer> groups = new ArrayList<>();
            try (NDManager joining = manager.newSubManager()) { // each run's own start, copied into its group
                Map<String, List<Trainer.Member>> byGroup = new java.util.LinkedHashMap<>();
                for (TrainConfig c : configs) {
                    Trainer.Member m = member(c, store, o, listener, joining, saved);
                    int updates = m.resumed() == null ? 0 : m.resumed().updatesDone();
                    resumedFrom.put(c.runId(), updates);
                    byGroup.computeIfAbsent(c.packKey() + " @" + updates, k -> new ArrayList<>()).add(m);
                }
                for (List<Trainer.Member> members : byGroup.values()) {
                    groups.add(new Trainer(members, manager));
                }
            }
            for (Trainer group : groups) {
                group.train(() -> o.abandon().getAsBoolean() || System.nanoTime() > deadline, (member, result, model) -> {
                    if (o.abandon().getAsBoolean()) {
                        return; // the task was killed: nothing committed, a rerun trains it
                    }
                    String runId = member.config().runId();
                    try {
                        writeRun(store, runId, result, saved.get(runId), resumedFrom.get(runId), model, member.split());
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write results of run " + runId + " under " + store.root(), e);
                    }
                    Outcome outcome = commit(member.config(), store, o.threads(), result, null, result.wallSeconds(),
                            resumedFrom.get(runId));
                    done.put(runId, outcome);
                    committed.accept(outcome);
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write under " + store.root(), e);
        } catch (UncheckedIOException e) {
            throw e; // the results cannot be written: fail the task
        } catch (RuntimeException | Error e) {
            LOG.error("{} failed", configs.size() == 1 ? "run " + configs.get(0).runId() : configs.size() + " runs", e);
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        List<Outcome> out = new ArrayList<>();
        for (TrainConfig c : configs) {
            Outcome outcome = done.get(c.runId());
            if (outcome == null && failure != null) {
                outcome = commit(c, store, o.threads(), null, failure, (System.nanoTime() - start) / 1e9,
                        resumedFrom.getOrDefault(c.runId(), 0));
                committed.accept(outcome);
            }
            out.add(outcome);
        }
        return out;
    }

    /**
     * A run as it joins its group, in {@code manager}: resumed from its checkpoint (recorded in
     * {@code saved}), started from given parameters, or fresh; its initial parameters exported if asked.
     */
    private static Trainer.Member member(TrainConfig c, ResultsStore store, Options o, Trainer.Listener listener,
            NDManager manager, Map<String, Checkpoints.Saved> saved) throws IOException {
        Checkpoints checkpoints = new Checkpoints(store, c.runId());
        Checkpoints.Saved s = o.init() == null ? checkpoints.load(c, manager) : null;
        Split split = o.init() == null ? null : ParamsFile.decodeSplit(c, o.init(), manager);
        if (split == null) {
            split = Split.of(c);
        }
        Model model;
        if (s != null) {
            saved.put(c.runId(), s);
            LOG.info("run {} resumes from its checkpoint at step {}", c.runId(), s.resumed().optimizer().updatesDone());
            model = s.resumed().model();
        } else {
            model = o.init() == null ? Model.initialise(c, manager) : ParamsFile.decodeModel(c, o.init(), manager);
        }
        if (o.exportInit() != null) {
            Files.createDirectories(o.exportInit().toAbsolutePath().getParent()); // as --out is created
            Files.write(o.exportInit(), ParamsFile.encode(model, split, Batches.of(c), c.steps()));
        }
        return new Trainer.Member(c, split, model, s == null ? null : s.resumed().optimizer(),
                s == null ? List.of() : s.metrics(), checkpoints.saving(o.checkpointEvery(), listener, s));
    }

    /** Metrics, spectra and final parameters of a run: everything but its record. */
    private static void writeRun(ResultsStore store, String runId, Trainer.Result result, Checkpoints.Saved saved,
            int resumedFrom, Model model, Split split) throws IOException {
        writeTables(store, runId, result, saved, resumedFrom);
        store.writeBytes(Layout.params(runId), ParamsFile.encode(model, split));
    }

    /**
     * Commits {@code c} as failed without training it, e.g. a run that lost its executor on every
     * attempt (groksweep.results.Attempts): its record says why.
     */
    public static Outcome recordFailed(TrainConfig c, ResultsStore store, int threads, String message) {
        return commit(c, store, threads, null, message, 0, 0);
    }

    /** Commits a run by writing its record, last, and drops its checkpoint. */
    private static Outcome commit(TrainConfig c, ResultsStore store, int threads, Trainer.Result result, String failure,
            double seconds, int resumedFrom) {
        RunRecord record = record(c, threads, result, failure, seconds, resumedFrom);
        try {
            store.write(Tables.RUNS, c.runId(), List.of(record.toRow()));
            new Checkpoints(store, c.runId()).delete();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit run " + c.runId() + " under " + store.root(), e);
        }
        return new Outcome(record, result == null ? null : result.onsets());
    }

    /** Metrics and the progress-measure tables of the run; rows of a resumed part come from its checkpoint as written then. */
    static void writeTables(ResultsStore store, String runId, Trainer.Result result, Checkpoints.Saved saved,
            int resumed) throws IOException {
        List<Row> metrics = new ArrayList<>(saved == null ? List.of() : saved.metricRows());
        Map<Table, List<Row>> measures = Checkpoints.measureRows(saved);
        for (MetricRow r : result.metrics()) {
            if (saved != null && r.step() < resumed) {
                continue;
            }
            metrics.add(r.toRow(runId));
            Checkpoints.addMeasures(measures, r, runId);
        }
        store.write(Tables.METRICS, runId, metrics);
        for (Table t : Tables.MEASURES) {
            store.write(t, runId, measures.get(t));
        }
    }

    /** The run record: a failure (an exception in the run) is status failed with its message. */
    static RunRecord record(TrainConfig c, int threads, Trainer.Result r, String failure, double seconds,
            int resumedFrom) {
        MetricRow last = r == null ? null : r.last();
        boolean failed = failure != null;
        return new RunRecord(c.runId(), c,
                failed ? RunStatus.FAILED : r.status(),
                failed ? StopReason.ERROR : r.stopReason(),
                failed ? failure : r.message(),
                r == null ? 0 : r.finalStep(),
                last == null ? null : last.trainLoss(),
                last == null ? null : last.trainAcc(),
                last == null ? null : last.testLoss(),
                last == null ? null : last.testAcc(),
                r == null ? seconds : r.wallSeconds(),
                r == null ? 0.0 : r.msPerStep(),
                threads,
                resumedFrom,
                hostName(),
                Instant.now().toString(),
                groksweep.RuntimeSettings.version(),
                Torch.djlVersion(),
                failed ? "unknown" : Torch.libtorchVersion());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
