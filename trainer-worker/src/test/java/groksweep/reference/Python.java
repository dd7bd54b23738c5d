package groksweep.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Python that runs the in-repo PyTorch reference (bench/reference): {@code $GROKSWEEP_PYTHON},
 * or Debian's {@code /usr/bin/python3}, which {@code apt-get install python3-torch} gives torch.
 * A test that needs it calls {@link #assumeTorch}: skipped with one line saying what to install,
 * never passed silently.
 */
final class Python {
    private Python() {}

    static final String EXECUTABLE = System.getenv().getOrDefault("GROKSWEEP_PYTHON", "/usr/bin/python3");
    static final Path REFERENCE = Path.of(System.getProperty("groksweep.root"), "bench", "reference");

    /** A finished script: its exit code and what it printed (stdout and stderr). */
    record Result(int exit, String output) {
        List<String> lines(String prefix) {
            return output.lines().filter(l -> l.startsWith(prefix)).toList();
        }
    }

    static void assumeTorch() throws Exception {
        boolean ok = Files.isExecutable(Path.of(EXECUTABLE)) && run(List.of("-c", "import torch")).exit() == 0;
        assumeTrue(ok, "skipped: the PyTorch reference needs " + EXECUTABLE + " with torch (apt-get install python3-torch,"
                + " or set GROKSWEEP_PYTHON to a Python with torch 1.13 or newer)");
    }

    /** Runs {@code bench/reference/<script>} with {@code args} to its end (at most ten minutes). */
    static Result script(String script, String... args) throws IOException, InterruptedException {
        return start(script, args).finish();
    }

    /** A script started in the background; its output goes to a file, so it never waits on a full pipe. */
    static Running start(String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(EXECUTABLE, REFERENCE.resolve(script).toString()));
        cmd.addAll(List.of(args));
        return start(cmd);
    }

    private static Running start(List<String> cmd) throws IOException {
        Path out = Files.createTempFile("python", ".out");
        return new Running(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start(), out);
    }

    /** A Python process and the file its output goes to. */
    record Running(Process process, Path out) {
        Result finish() throws IOException, InterruptedException {
            boolean ended = process.waitFor(10, TimeUnit.MINUTES);
            if (!ended) {
                process.destroyForcibly();
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            Files.delete(out);
            assertTrue(ended, "python ended within ten minutes:\n" + output);
            return new Result(process.exitValue(), output);
        }
    }

    private static Result run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(EXECUTABLE));
        cmd.addAll(args);
        return start(cmd).finish();
    }
}
