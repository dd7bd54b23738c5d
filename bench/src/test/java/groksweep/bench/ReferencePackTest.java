package groksweep.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PyTorch reference's packed mode (the GPU check's) against itself unpacked, on the CPU in
 * float64: bench/reference/pack_check.py over five option families, two runs per pack. Skipped,
 * saying so, where this machine's Python has no torch.
 */
class ReferencePackTest {
    static final String PYTHON = "/usr/bin/python3";
    static final Path REFERENCE = Path.of(System.getProperty("groksweep.root"), "bench", "reference");

    record Result(int exit, String output) {}

    static Result python(String... args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        return new Result(p.exitValue(), out);
    }

    @Test
    void packedRunsTrainExactlyAsEachRunAlone() throws Exception {
        assumeTrue(Path.of(PYTHON).toFile().canExecute() && python(PYTHON, "-c", "import torch").exit() == 0,
                PYTHON + " with torch is needed (apt-get install python3-torch, or pip install torch)");
        Result r = python(PYTHON, REFERENCE.resolve("pack_check.py").toString());
        assertEquals(0, r.exit(), r.output());
        List<String> cases = r.output().lines().filter(l -> l.startsWith("{\"case\"")).toList();
        assertEquals(9, cases.size(), r.output()); // pack_check.py's CASES
        cases.forEach(c -> assertTrue(c.contains("\"steps_compared\": 5") && c.endsWith("\"ok\": true}"), c));
        Matcher worst = Pattern.compile("\"worst_max_rel_diff\": ([0-9.e-]+)").matcher(r.output());
        assertTrue(worst.find(), r.output());
        assertTrue(Double.parseDouble(worst.group(1)) <= 1e-9, r.output());
    }
}
