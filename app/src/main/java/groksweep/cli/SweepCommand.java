package groksweep.cli;

import groksweep.results.Onsets;
import groksweep.analysis.LiveReport;
import groksweep.analysis.Report;
import groksweep.config.ConfigException;
import groksweep.results.Compaction;
import groksweep.results.ResultsStore;
import groksweep.sweep.SweepRunner;
import groksweep.sweep.SweepSpec;

import org.apache.spark.sql.SparkSession;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code groksweep sweep SPEC.yaml}: every run of a grid, on embedded Spark or under spark-submit. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train every run of a sweep spec on Spark; committed runs are skipped, so a rerun resumes.",
        footer = {"%nWithout spark-submit this starts embedded Spark (local[*], driver on 127.0.0.1, UI off).",
            "Exit codes: 0 sweep finished (runs may have failed; see the summary), 1 stopped by a failure (disk full,"
                    + " output deleted, ...: one line on stderr, the trace in the log file), 2 bad spec or output."})
public final class SweepCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "SPEC.yaml", description = "the sweep spec (see conf/sweeps/)")
    Path specFile;

    @Option(names = "--output", paramLabel = "URI", description = "write the results here instead of the spec's output,"
            + " e.g. hdfs://namenode:8020/groksweep/nanda2023 or s3a://bucket/groksweep/nanda2023 on a cluster")
    String output;

    @Option(names = "--dry-run", description = "print the plan (runs, first rows, relative cost, spec hash) and the"
            + " estimated core-hours and wall time, and stop")
    boolean dryRun;

    @Option(names = "--rerun-failed", description = "train again the runs recorded as failed or timeout")
    boolean rerunFailed;

    @Option(names = "--repair", description = "first read every committed run's files (as 'groksweep verify') and train"
            + " again this spec's damaged runs, which come out as they were")
    boolean repair;

    @Option(names = "--ui", description = "serve the Spark UI on 127.0.0.1 (embedded mode)")
    boolean ui;

    @Option(names = "--no-analysis", description = "skip the analysis and report that follow the sweep")
    boolean noAnalysis;

    @Option(names = "--live-report", paramLabel = "SECONDS", defaultValue = "30",
            description = "rewrite RESULTS/report.html from the committed runs at most this often while the sweep "
                    + "runs (and never for more than 2% of the time); 0: off. Default: ${DEFAULT-VALUE}")
    int liveReport;

    @Option(names = "--compact", description = "after the sweep, merge the committed runs' files into one per table "
            + "(as 'groksweep compact', with a 10 s grace for readers); done without asking when more than "
            + Compaction.WORTH_IT_RUNS + " runs are in files of their own")
    boolean compact;

    @Option(names = "--no-compact", description = "never compact after the sweep")
    boolean noCompact;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master for embedded mode. Default: ${DEFAULT-VALUE}",
            defaultValue = "local[*]")
    String master;

    @Override
    public Integer call() throws Exception {
        if (compact && noCompact) {
            return Cli.fail(spec, "--compact, --no-compact: give one or neither");
        }
        if (liveReport < 0) {
            return Cli.fail(spec, "--live-report: '" + liveReport + "' is not allowed; expected an integer ≥ 0 (0: off)");
        }
        SweepSpec sweep;
        try {
            sweep = read(specFile);
        } catch (ConfigException e) {
            return Cli.fail(spec, specFile + ": " + e.getMessage());
        }
        if (output != null) {
            sweep = sweep.withOutput(output); // a bad one: one line naming --output (Cli.oneLineErrors)
        }
        // Errors from here on name the spec, or --output where it replaced the spec's output.
        String where = output != null ? "" : specFile + ": ";
        SweepRunner.Prepared prepared;
        try {
            ResultsStore.checkWritable(output != null ? "--output" : "output", sweep.output(), sweep.hadoopConfiguration());
            if (repair && !dryRun) {
                System.out.println(repair(sweep));
            }
            int slots = Math.max(1, slots(sweep, master));
            int here = Math.max(1, Runtime.getRuntime().availableProcessors() / sweep.threadsPerRun());
            int concurrent = Math.max(1, Math.min(here, embedded(sweep) ? slots : executorSlots(sweep)));
            prepared = SweepRunner.prepare(sweep, rerunFailed, embedded(sweep), slots, concurrent, CALIBRATION);
        } catch (ConfigException e) {
            return Cli.fail(spec, where + e.getMessage());
        }
        System.out.println(prepared.description());
        if (prepared.estimate() != null) {
            System.out.println(prepared.estimate());
        }
        if (dryRun) {
            return 0;
        }
        try {
            return train(prepared);
        } catch (ConfigException e) {
            throw e;
        } catch (Exception | OutOfMemoryError e) {
            spec.commandLine().getErr().println("error: " + Failures.line("sweep", e, sweep.output(),
                    kept(sweep, prepared.plan())));
            return 1;
        }
    }

    /** Trains the sweep (its grid's pending runs, or its searches), then compacts and analyses as asked. */
    private int train(SweepRunner.Prepared prepared) throws Exception {
        SweepSpec sweep = prepared.spec();
        SparkSession spark = session(sweep, master, ui); // stops at JVM exit
        if (ui && spark.sparkContext().uiWebUrl().isDefined()) {
            System.out.println("Spark UI: " + spark.sparkContext().uiWebUrl().get());
        }
        LiveReport.Running live = liveReport > 0 && !prepared.plan().pending().isEmpty()
                ? LiveReport.every(new ResultsStore(sweep.output(), sweep.hadoopConfiguration()), sweep.name(),
                        prepared.expectedRuns(), java.time.Duration.ofSeconds(liveReport), System.out::println)
                : null;
        SweepRunner.Outcome outcome;
        try {
            outcome = SweepRunner.run(spark, prepared, rerunFailed, System.out::println);
        } finally {
            if (live != null) {
                live.close();
            }
        }
        System.out.println(sweep.search() == null ? Summary.table(outcome, sweep.output()) : Summary.search(outcome, sweep));
        ResultsStore store = new ResultsStore(sweep.output(), sweep.hadoopConfiguration());
        if (compact || !noCompact && Compaction.uncompactedRuns(store) > Compaction.WORTH_IT_RUNS) {
            Compaction.Report r = Compaction.compact(store, java.time.Duration.ofSeconds(10), Compaction.NO_STAGES);
            System.out.printf("compacted %d runs into %d files%s%n", r.runs(), r.partsWritten(),
                    r.skipped() == null ? "" : " (skipped: " + r.skipped() + ")");
        }
        if (noAnalysis) {
            return 0;
        }
        System.out.println();
        return AnalyzeCommand.analyze(spark, sweep.output(), Onsets.Thresholds.defaults(), true, null,
                Report.axes(Report.DEFAULT_AXES), spec);
    }

    /**
     * Uncommits this spec's damaged runs (their record removed first), so that the plan trains them
     * again; damage outside the spec, or in a compacted part, is reported and left.
     */
    private static String repair(SweepSpec sweep) throws IOException {
        ResultsStore store = new ResultsStore(sweep.output(), sweep.hadoopConfiguration());
        if (!store.exists("runs")) {
            return "repair: nothing committed yet";
        }
        groksweep.results.Verify.Report r = groksweep.results.Verify.check(store);
        java.util.Set<String> ours = new java.util.HashSet<>();
        SweepRunner.strategy(sweep, false).plan().runs().forEach(c -> ours.add(c.runId()));
        groksweep.results.RunStore runs = new groksweep.results.RunStore(store);
        StringBuilder s = new StringBuilder();
        java.util.Set<String> retrained = new java.util.TreeSet<>();
        for (groksweep.results.Verify.Damage d : r.damage()) {
            if (d.runId() != null && ours.contains(d.runId())) {
                if (retrained.add(d.runId())) {
                    runs.uncommit(d.runId());
                }
                s.append("repair: ").append(d.line()).append(": trained again\n");
            } else {
                s.append("repair: ").append(d.line()).append(d.runId() == null
                        ? ": left (a compacted part; its runs cannot be retrained one by one yet)\n"
                        : ": left (not a run of this spec)\n");
            }
        }
        return s.append("repair: ").append(r.runs()).append(" committed runs read, ").append(retrained.size())
                .append(" of this spec damaged").toString();
    }

    /** What a stopped sweep keeps: its committed runs, counted again now. */
    private static String kept(SweepSpec sweep, SweepRunner.Plan plan) {
        try {
            SweepRunner.Plan now = SweepRunner.strategy(sweep, false).plan();
            return (now.runs().size() - now.pending().size()) + " of " + plan.runs().size()
                    + " runs are committed and will be kept";
        } catch (IOException | RuntimeException e) {
            return "the runs committed before it are kept";
        }
    }

    /** How long the estimate times the sweep's run shapes, in all. */
    static final java.time.Duration CALIBRATION = java.time.Duration.ofSeconds(2);

    /**
     * The task slots the sweep will get: embedded, the master's cores ({@code local[*]}: this
     * machine's); on a cluster, executors × cores or {@code spark.cores.max}, when the configuration
     * says; each divided by the threads per run (spark.task.cpus). 0 when not known.
     */
    static int slots(SweepSpec sweep, String master) {
        int cores;
        if (embedded(sweep)) {
            String m = sweep.spark().getOrDefault("spark.master", System.getProperty("spark.master", master));
            java.util.regex.Matcher n = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(m);
            cores = !n.matches() ? 1
                    : n.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n.group(1));
        } else {
            int executors = sparkInt(sweep, "spark.executor.instances");
            int each = sparkInt(sweep, "spark.executor.cores");
            cores = executors > 0 && each > 0 ? executors * each : sparkInt(sweep, "spark.cores.max");
        }
        return Math.max(0, cores / sweep.threadsPerRun());
    }

    /** Task slots per executor on a cluster, when the configuration says; else 1. */
    private static int executorSlots(SweepSpec sweep) {
        return Math.max(1, sparkInt(sweep, "spark.executor.cores") / sweep.threadsPerRun());
    }

    /** A whole-number Spark setting from the spec or spark-submit's configuration; 0 when absent. */
    private static int sparkInt(SweepSpec sweep, String key) {
        String v = sweep.spark().getOrDefault(key, System.getProperty(key));
        try {
            return v == null ? 0 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Reads a spec: UTF-8 text, strictly (a stray byte is an error, not a replacement character). */
    static SweepSpec read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("no such file; expected a sweep spec in YAML");
        }
        try {
            return SweepSpec.parse(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw new ConfigException("spec: not UTF-8 text; expected a YAML sweep spec in UTF-8");
        }
    }

    /** Whether this sweep trains in this JVM (embedded Spark), not on a cluster. */
    static boolean embedded(SweepSpec sweep) {
        String master = sweep.spark().getOrDefault("spark.master", System.getProperty("spark.master", "local"));
        return master.startsWith("local");
    }

    /** Embedded Spark on loopback unless spark-submit (or the spec) says where to run. */
    public static SparkSession session(SweepSpec sweep, String master, boolean ui) {
        SparkSession.Builder b = sweep.spark().containsKey("spark.master")
                ? SparkSession.builder().appName("groksweep " + sweep.name())
                : LocalSpark.builder("groksweep " + sweep.name(), master, ui);
        b.config("spark.task.cpus", sweep.threadsPerRun())
                .config("spark.executorEnv.OMP_NUM_THREADS", sweep.threadsPerRun())
                .config("spark.executorEnv.DJL_OFFLINE", "true")
                .config("spark.executorEnv.OPT_OUT_TRACKING", "true");
        groksweep.RuntimeSettings.mallocEnv().forEach((name, value) -> b.config("spark.executorEnv." + name, value));
        sweep.spark().forEach(b::config);
        return LocalSpark.start(b);
    }
}
