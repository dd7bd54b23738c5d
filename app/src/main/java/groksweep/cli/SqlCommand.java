package groksweep.cli;

import groksweep.results.Onsets;
import groksweep.analysis.Jobs;
import groksweep.analysis.Results;
import groksweep.analysis.TextTable;
import groksweep.config.ConfigException;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code groksweep sql RESULTS QUERY}: any Spark SQL over the raw and derived views. */
@Command(name = "sql", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run Spark SQL over a results directory and print the rows.",
            "Views: runs, metrics, spectra, onsets, phases, algorithms, grid_summary, key_freqs, freq_stats, n_key_freqs, seed_agreement.",
            "Reads only: results on a read-only mount answer too. 'analyze' writes RESULTS/views.sql for spark-sql."},
        footer = "%nExit codes: 0 done, 2 results missing or unreadable, or the query is not valid.")
public final class SqlCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RESULTS", description = "a results root (local path or Hadoop URI)")
    String results;

    @Parameters(index = "1", paramLabel = "QUERY", description = "a Spark SQL query")
    String query;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json. Default: ${DEFAULT-VALUE}")
    String format;

    @Option(names = "--max-rows", defaultValue = "1000", description = "print at most this many rows; a result cut"
            + " short says so on stderr, with the rows left out. Default: ${DEFAULT-VALUE}")
    int maxRows;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master for embedded mode. Default: ${DEFAULT-VALUE}")
    String master;

    @Override
    public Integer call() throws Exception {
        TextTable.Format f;
        try {
            f = TextTable.Format.valueOf(format.toUpperCase());
        } catch (IllegalArgumentException e) {
            return Cli.fail(spec, "--format: '" + format + "' is not allowed; expected table, csv or json");
        }
        if (maxRows < 1) {
            return Cli.fail(spec, "--max-rows: '" + maxRows + "' is not allowed; expected an integer ≥ 1");
        }
        SparkSession spark = LocalSpark.start(LocalSpark.builder("groksweep sql", master, false)); // stops at JVM exit
        try {
            Results.open(spark, results);
            Jobs.all(spark, Onsets.Thresholds.defaults()); // views only: sql never writes under RESULTS
        } catch (ConfigException e) {
            return Cli.fail(spec, e.getMessage());
        }
        try {
            Dataset<Row> result = spark.sql(query);
            System.out.println(TextTable.render(result, f, maxRows));
            if (result.limit(maxRows + 1).count() > maxRows) {
                long total = result.count();
                spec.commandLine().getErr().println("warning: the first " + maxRows + " of " + total + " rows; "
                        + (total - maxRows) + " left out (--max-rows " + total + " shows all)");
            }
        } catch (Exception e) { // Spark's Scala code throws AnalysisException undeclared
            if (!(e instanceof AnalysisException)) {
                throw e;
            }
            return Cli.fail(spec, "query: " + e.getMessage().lines().findFirst().orElse("not valid"));
        }
        return 0;
    }
}
