package groksweep.cli;

import groksweep.results.Onsets;
import groksweep.analysis.Analysis;
import groksweep.analysis.Jobs;
import groksweep.analysis.Report;
import groksweep.analysis.TextTable;
import groksweep.config.ConfigException;

import org.apache.spark.sql.SparkSession;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code groksweep analyze RESULTS}: onsets, phases, frequency statistics, plots and report. */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the analysis jobs over a results directory; print the grid summary; write analysis/, views.sql and report.html.",
        footer = "%nUnreadable Parquet files are skipped with a warning naming the file and its run.%nExit codes: 0 done, 2 results missing, empty or unreadable, or an option's value not allowed.")
public final class AnalyzeCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "RESULTS", description = "a results root (local path or Hadoop URI)")
    String results;

    /** The thresholds' defaults, defined once in {@link Onsets.Thresholds}. */
    private static final Onsets.Thresholds DEFAULTS = Onsets.Thresholds.defaults();

    @Option(names = "--memorise-threshold", description = "train accuracy that counts as memorised. Default: ${DEFAULT-VALUE}")
    double memorise = DEFAULTS.memorise();

    @Option(names = "--grok-threshold", description = "test accuracy that counts as grokked (held to the end). Default: ${DEFAULT-VALUE}")
    double grok = DEFAULTS.grok();

    @Option(names = "--loss-threshold", description = "test loss below which test_loss_below_step is reached. Default: ${DEFAULT-VALUE}")
    double lossBelow = DEFAULTS.lossBelow();

    @Option(names = "--phase-accuracy", description = "accuracy defining t_train and t_test for phases. Default: ${DEFAULT-VALUE}")
    double phaseAccuracy = DEFAULTS.phaseAccuracy();

    @Option(names = "--phase-gap", description = "t_test − t_train at or above which a run is grokking, not comprehension. Default: ${DEFAULT-VALUE}")
    int phaseGap = DEFAULTS.phaseGap();

    @Option(names = "--curves", paramLabel = "SQL",
            description = "draw learning curves for the configs whose runs match this condition on the runs view,"
                    + " e.g. \"modulus = 59 AND weight_decay = 1\" (default: up to 24 configs spread over the grid)")
    String curves;

    @Option(names = "--axes", paramLabel = "X,Y", defaultValue = Report.DEFAULT_AXES,
            description = "draw the phase diagram (and the clock-or-pizza chart) over these two trainer options,"
                    + " columns of runs, e.g. train_fraction,operation; one diagram per modulus unless modulus is one."
                    + " Default: ${DEFAULT-VALUE}")
    String axes;

    @Option(names = "--no-report", description = "skip the plots and report.html")
    boolean noReport;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master for embedded mode. Default: ${DEFAULT-VALUE}")
    String master;

    @Override
    public Integer call() throws Exception {
        List<String> diagramAxes;
        try {
            diagramAxes = Report.axes(axes); // before Spark starts: bad input costs nothing
        } catch (ConfigException e) {
            return Cli.fail(spec, e.getMessage());
        }
        // Not closed here: an existing session (tests, a sweep) stays usable; Spark stops at JVM exit.
        SparkSession spark = LocalSpark.start(LocalSpark.builder("groksweep analyze", master, false));
        return analyze(spark, results, new Onsets.Thresholds(memorise, grok, lossBelow, phaseAccuracy, phaseGap), !noReport,
                curves, diagramAxes, spec);
    }

    /** Runs the analysis and prints its summary; shared with {@code sweep}, which ends with it. */
    public static int analyze(SparkSession spark, String results, Onsets.Thresholds t, boolean report, String curves,
            List<String> axes, CommandSpec spec) throws Exception {
        Analysis.Done done;
        try {
            done = Analysis.run(spark, results, t, report, curves, axes);
        } catch (ConfigException e) {
            return Cli.fail(spec, e.getMessage());
        }
        System.out.println(TextTable.render(spark.table("grid_summary"), TextTable.Format.TABLE, 200));
        done.results().skipped().forEach(s -> System.out.println("warning: " + s));
        int loose = groksweep.results.Compaction.uncompactedRuns(done.results().store());
        if (loose > groksweep.results.Compaction.WORTH_IT_RUNS) {
            System.out.printf("note: %,d runs are in files of their own; 'groksweep compact %s' first makes analyze"
                    + " read them as a few files, about ten times faster at this size%n", loose, results);
        }
        System.out.println("analysis: " + done.results().store().root() + "/analysis/ (Parquet and CSV), views.sql"
                + (done.report() == null ? "" : ", report: " + done.report()));
        return 0;
    }
}
