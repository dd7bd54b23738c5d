package groksweep.cli;

import groksweep.config.ConfigException;

import me.tongfei.progressbar.ProgressBar;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;


/** Shared command-line conventions: one-line errors, exit code 2 for bad input. */
public final class Cli {
    private Cli() {}

    public static final int BAD_INPUT = 2;

    /** picocli's parse errors as one line, e.g. "Unknown option: '--modulos' (see 'train --help')". */
    public static int oneLineError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr().println("error: " + e.getMessage() + " (see '" + cmd.getCommandName() + " --help')");
        return BAD_INPUT;
    }

    /**
     * {@code cmd} with every user error as one line and exit code 2: a parse error, or a
     * {@link ConfigException} thrown while the command runs. Other exceptions are bugs and keep
     * their stack trace.
     */
    public static CommandLine oneLineErrors(CommandLine cmd) {
        cmd.setParameterExceptionHandler(Cli::oneLineError);
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof ConfigException) {
                c.getErr().println("error: " + e.getMessage());
                return BAD_INPUT;
            }
            throw e;
        });
        return cmd;
    }

    /**
     * Ends a command's JVM with its exit status. A driver that YARN runs in cluster mode is a
     * thread of the application master, which reports the outcome once the driver returns: there
     * the status is returned (0) or thrown (any other), for {@code System.exit} would end the
     * master before it reports, and YARN would count the attempt as failed and start another.
     */
    public static void exit(int status) {
        if ("yarn".equals(System.getProperty("spark.master")) && "cluster".equals(System.getProperty("spark.submit.deployMode"))) {
            if (status != 0) {
                throw new IllegalStateException("the command ended with exit status " + status + " (its error is above)");
            }
            return;
        }
        System.exit(status);
    }

    public static int fail(CommandSpec spec, String message) {
        spec.commandLine().getErr().println("error: " + message);
        return BAD_INPUT;
    }

    /** Prints a line above a live progress bar. */
    public static void say(ProgressBar bar, String line) {
        if (bar == null) {
            System.out.println(line);
        } else {
            System.err.print("\r\033[K");
            System.out.println(line);
        }
    }
}
