package groksweep.cli;

import groksweep.results.OutputToken;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.nio.file.AccessDeniedException;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A command stopped by a failure of its environment, told in one line: the cause, where, and what
 * to do, with how much of the work is kept. The full trace goes to the log file only
 * ({@code conf/log4j2.xml}, logger {@code groksweep.trace}). Causes are recognised anywhere in the
 * chain of causes, or in the text Spark carries over from an executor.
 */
final class Failures {
    private static final Logger TRACE = LogManager.getLogger("groksweep.trace");

    private Failures() {}

    /** A recognised cause: how to spot it, what it is, and what to do about it. */
    private record Cause(Predicate<Throwable> matches, String what, String todo) {}

    private static final List<Cause> CAUSES = List.of(
            new Cause(e -> e instanceof OutputToken.Gone, null,
                    "rerun the same command to train again what was lost with it"),
            new Cause(says("no space left on device", "disk quota exceeded"), "the disk of the output is full",
                    "free space (or give --output on a larger disk) and rerun the same command"),
            new Cause(says("read-only file system"), "the output became read-only",
                    "make it writable again and rerun the same command"),
            new Cause(e -> e instanceof AccessDeniedException || e.getClass().getName().endsWith("AccessControlException")
                    || says("permission denied", "access denied", "403 forbidden").test(e),
                    "permission to write the output was lost", "restore write access and rerun the same command"),
            new Cause(e -> e instanceof OutOfMemoryError || says("outofmemoryerror", "executorlostfailure",
                    "exit code 137", "exited with code 137", "exit code 52", "killed by the oom").test(e),
                    "an executor ran out of memory or was killed",
                    "give each executor more memory (spark.executor.memory; libtorch's share: "
                            + "spark.executor.memoryOverhead) or fewer task slots, and rerun the same command"));

    /**
     * Logs {@code e} in full to the log file and returns the line for stderr, e.g. "the disk of the
     * output is full (/data/out): free space ... and rerun the same command; 3 of 8 runs are
     * committed and will be kept (full trace: logs/groksweep.log)". {@code kept} says what survives.
     */
    static String line(String command, Throwable e, String output, String kept) {
        TRACE.error(command + " stopped", e);
        String where = " (full trace: " + logFile() + ")";
        Cause cause = cause(e);
        if (cause == null) { // e.g. Hadoop's "Mkdirs failed to create": ask the output itself why
            Throwable probe = probe(output);
            if (probe != null) {
                TRACE.error("writing in the output " + output + " now fails", probe);
                cause = cause(probe);
            }
        }
        if (cause != null) {
            String what = cause.what == null ? e.getMessage() : cause.what + " (" + output + ")";
            return what + ": " + cause.todo + "; " + kept + where;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
        return command + " stopped: " + root.getClass().getSimpleName() + ": " + message + "; " + kept + where;
    }

    private static Cause cause(Throwable e) {
        return CAUSES.stream().filter(c -> chain(e, c.matches)).findFirst().orElse(null);
    }

    /**
     * What writing a file in a local output now fails with (a full disk, a read-only file system,
     * permission), or null when it succeeds, the output is gone, or is not on a local disk.
     */
    static Throwable probe(String output) {
        java.net.URI uri = java.net.URI.create(output.replace(" ", "%20"));
        if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
            return null;
        }
        java.nio.file.Path dir = uri.getScheme() == null ? java.nio.file.Path.of(output) : java.nio.file.Path.of(uri);
        if (!java.nio.file.Files.isDirectory(dir)) {
            return null;
        }
        try {
            java.nio.file.Files.delete(java.nio.file.Files.createTempFile(dir, "_probe-", ".tmp"));
            return null;
        } catch (java.io.IOException | RuntimeException e) {
            return e;
        }
    }

    /** The log file that has the full traces (conf/log4j2.xml's default when none is set: YARN's container log directory, or the temporary one). */
    static String logFile() {
        String dir = System.getProperty("spark.yarn.app.container.log.dir", System.getProperty("java.io.tmpdir"));
        return System.getProperty("groksweep.log", dir + "/groksweep.log");
    }

    private static boolean chain(Throwable e, Predicate<Throwable> p) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (p.test(t)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a throwable's own message contains one of {@code phrases}, in any case. */
    private static Predicate<Throwable> says(String... phrases) {
        return t -> {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            for (String p : phrases) {
                if (m.contains(p)) {
                    return true;
                }
            }
            return false;
        };
    }
}
