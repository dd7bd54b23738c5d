package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output's file system failing under a real sweep: {@code groksweep sweep} in a JVM of its own
 * with the shipped {@code conf/log4j2.xml}, its output on a small tmpfs of its own (a private mount
 * namespace, as root) that fills up, or turns read-only once a run is committed. Each ends in one
 * line on stderr naming the cause, the output and what to do, with the runs kept; exit 1; the
 * trace in the log file only; the committed runs whole.
 */
class OutputFaultsIT {
    @TempDir Path dir;

    /** What the sweep printed on stderr and the exit code. */
    record Ended(int code, String stderr, String log) {}

    /**
     * Runs a 6-run sweep with its output on a tmpfs of {@code size} at {@code disk}; {@code
     * afterFirstRun}, when not null, is a shell command run (in the sweep's namespace) as soon as a
     * run is committed.
     */
    Ended sweep(String size, String afterFirstRun) throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        Path out = disk.resolve("out");
        Path spec = Files.writeString(dir.resolve("s.yaml"), "name: s\noutput: " + out + "\ngrid:\n  seed: [0, 1, 2, 3, 4, 5]\n"
                + "trainer:\n  modulus: 23\n  steps: 500\n  eval_every: 50\n  analysis_every: 0\n");
        Path log = dir.resolve("groksweep.log");
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")); // a sweep of seconds: less CPU on compiling and collecting
        java.addAll(groksweep.RuntimeSettings.jvmOpens());
        java.addAll(List.of("-Dai.djl.offline=true",
                "-Dlog4j2.configurationFile=" + Path.of(System.getProperty("groksweep.conf"), "log4j2.xml"),
                "-Dgroksweep.log=" + log, "-cp", System.getProperty("java.class.path"), "groksweep.cli.Main", "sweep",
                spec.toString(), "--master", "local[2]", "--no-analysis", "--live-report", "0"));
        String script = "mount -t tmpfs -o size=" + size + " fault-disk \"$0\" || exit 97\n"
                + "\"$@\" & sweep=$!\n"
                + (afterFirstRun == null ? "" : "until ls \"$0\"/out/runs/*.parquet >/dev/null 2>&1 || ! kill -0 $sweep 2>/dev/null;"
                        + " do sleep 0.05; done\n" + afterFirstRun + "\n")
                + "wait $sweep";
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                disk.toString()));
        cmd.addAll(java);
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout").toFile()).start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assumeTrue(code != 97, "skipped: a tmpfs in a mount namespace of its own (unshare --mount, as root) is not available here");
        return new Ended(code, stderr, Files.exists(log) ? Files.readString(log) : "");
    }

    /** The one line, with no trace on stderr; the trace, with the cause, in the log file. */
    static int committedOf(Ended e, String start, String cause) {
        assertEquals(1, e.code(), e.stderr());
        List<String> errors = e.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), e.stderr());
        assertTrue(errors.get(0).startsWith("error: " + start), e.stderr());
        assertFalse(e.stderr().contains("\tat "), "no trace on stderr: " + e.stderr());
        assertTrue(e.log().contains(cause) && e.log().contains("\tat groksweep."), "the trace in the log file");
        Matcher m = Pattern.compile("; (\\d) of 6 runs are committed and will be kept \\(full trace: .*groksweep\\.log\\)$")
                .matcher(errors.get(0));
        assertTrue(m.find(), errors.get(0));
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aFullDiskEndsInOneLine() throws Exception {
        Ended e = sweep("2000k", null); // a run's files take 0.76 MB: two fit, not three
        int kept = committedOf(e, "the disk of the output is full (" + dir.resolve("disk/out")
                + "): free space (or give --output on a larger disk) and rerun the same command", "No space left on device");
        assertTrue(kept >= 1 && kept < 6, e.stderr());
    }

    @Test
    void anOutputTurnedReadOnlyEndsInOneLine() throws Exception {
        // a remount fails while a file is open for writing there: tried until it lands between two writes
        Ended e = sweep("64m", "until mount -o remount,ro \"$0\" 2>/dev/null || ! kill -0 $sweep 2>/dev/null; do sleep 0.02; done");
        int kept = committedOf(e, "the output became read-only (" + dir.resolve("disk/out")
                + "): make it writable again and rerun the same command", "Read-only file system");
        assertTrue(kept >= 1 && kept < 6, e.stderr());
    }
}
