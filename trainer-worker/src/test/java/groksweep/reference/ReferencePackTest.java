package groksweep.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The PyTorch reference's packed mode (the GPU check's) against itself unpacked, on the CPU in
 * float64: bench/reference/pack_check.py over its option families, two runs per pack, each run
 * equal to the run alone to 1e-9. Skipped with one line where no Python with torch is installed.
 */
class ReferencePackTest {
    @Test
    void packedRunsTrainExactlyAsEachRunAlone() throws Exception {
        Python.assumeTorch();
        Python.Result r = Python.script("pack_check.py");
        List<String> cases = r.lines("{\"case\"");
        assertEquals(9, cases.size(), r.output()); // pack_check.py's CASES
        for (String line : cases) {
            JsonObject c = JsonParser.parseString(line).getAsJsonObject();
            assertTrue(c.get("ok").getAsBoolean() && c.get("accuracies_equal").getAsBoolean(), line);
            assertEquals(5, c.get("steps_compared").getAsInt(), line);
            assertTrue(c.get("max_rel_diff").getAsDouble() <= 1e-9, line);
        }
        assertEquals(0, r.exit(), r.output());
    }
}
