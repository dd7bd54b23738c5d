package groksweep.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code groksweep}: the one entry point. Subcommands: train, sweep, analyze, sql, compact, verify (bench: see bin/groksweep). */
@Command(name = "groksweep", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Distributed hyperparameter sweeps for grokking experiments.",
        footer = "%nbin/groksweep bench runs the benchmarks (module bench).")
public final class Main {

    /** The version from the build, defined once (groksweep.RuntimeSettings). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"groksweep " + groksweep.RuntimeSettings.version()};
        }
    }

    public static CommandLine commandLine() {
        CommandLine cmd = withAnalysis(new CommandLine(new Main()));
        cmd.addSubcommand("train", TrainCommand.commandLine());
        cmd.addSubcommand("sweep", Cli.oneLineErrors(new CommandLine(new SweepCommand())));
        return cmd;
    }

    /** The analysis commands, which need neither the trainer nor libtorch. */
    static CommandLine withAnalysis(CommandLine cmd) {
        cmd.addSubcommand(Cli.oneLineErrors(new CommandLine(new AnalyzeCommand())));
        cmd.addSubcommand(Cli.oneLineErrors(new CommandLine(new SqlCommand())));
        cmd.addSubcommand(Cli.oneLineErrors(new CommandLine(new CompactCommand())));
        cmd.addSubcommand(Cli.oneLineErrors(new CommandLine(new VerifyCommand())));
        return Cli.oneLineErrors(cmd);
    }

    public static void main(String[] args) {
        Cli.exit(commandLine().execute(args));
    }
}
