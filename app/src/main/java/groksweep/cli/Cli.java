package groksweep.cli;

import groksweep.config.ConfigException;

import me.tongfei.progressbar.ProgressBar;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.File;
import java.net.URI;

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

    /** {@code cmd} with its parse errors as one line. */
    public static CommandLine oneLineErrors(CommandLine cmd) {
        cmd.setParameterExceptionHandler(Cli::oneLineError);
        return cmd;
    }

    public static int fail(CommandSpec spec, String message) {
        spec.commandLine().getErr().println("error: " + message);
        return BAD_INPUT;
    }

    /** A local output path must be a directory or not exist yet; other file systems are checked on write. */
    public static void checkOutput(String option, String out) {
        URI uri = URI.create(out.replace(" ", "%20"));
        if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
            return;
        }
        File f = uri.getScheme() == null ? new File(out) : new File(uri.getPath());
        if (f.isFile()) {
            throw new ConfigException(option + ": '" + out + "' is a file; expected a directory (new or a results root)");
        }
        File parent = f.getAbsoluteFile();
        while (parent != null && !parent.exists()) {
            parent = parent.getParentFile();
        }
        if (parent == null || !parent.isDirectory() || !parent.canWrite()) {
            throw new ConfigException(option + ": '" + out + "' cannot be created here ("
                    + parent + " is not a writable directory); expected a writable location");
        }
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
