package groksweep.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code groksweep}: the one entry point. Subcommands: train, sweep, analyze, sql, bench. */
@Command(name = "groksweep", mixinStandardHelpOptions = true, version = "groksweep 0.1.0",
        description = "Distributed hyperparameter sweeps for grokking experiments.")
public final class Main {

    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.addSubcommand("train", TrainCommand.commandLine());
        CommandLine sweep = new CommandLine(new SweepCommand());
        sweep.setParameterExceptionHandler(Cli::oneLineError);
        cmd.addSubcommand("sweep", sweep);
        for (Object sub : new Object[] {new AnalyzeCommand(), new SqlCommand(), new BenchCommand()}) {
            CommandLine c = new CommandLine(sub);
            c.setParameterExceptionHandler(Cli::oneLineError);
            cmd.addSubcommand(c);
        }
        cmd.setParameterExceptionHandler(Cli::oneLineError);
        return cmd;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
