package groksweep.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of {@code groksweep-analysis.jar}: analyze, sql, compact and verify. That jar
 * carries no trainer and no libtorch, so an analyst submits a few MB to the cluster.
 */
@Command(name = "groksweep-analysis", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Analysis and Spark SQL over groksweep results.")
public final class AnalysisMain {

    /** The analysis jar's commands. */
    public static CommandLine commandLine() {
        return Main.withAnalysis(new CommandLine(new AnalysisMain()));
    }

    public static void main(String[] args) {
        Cli.exit(commandLine().execute(args));
    }
}
