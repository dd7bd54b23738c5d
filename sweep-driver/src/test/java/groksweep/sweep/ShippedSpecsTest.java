package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Every spec shipped in conf/sweeps/ parses, and every run of it is valid, as users will run them. */
class ShippedSpecsTest {

    @Test
    void everyShippedSpecParsesWithValidRuns() throws Exception {
        List<Path> specs;
        try (Stream<Path> files = Files.list(Path.of("..", "conf", "sweeps"))) {
            specs = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(specs.size() >= 20, "the specs are found: " + specs);
        for (Path p : specs) {
            SweepSpec s = SweepSpec.parse(Files.readString(p));
            assertFalse(Grid.expand(s).isEmpty(), p.toString());
            assertTrue(p.getFileName().toString().equals(s.name() + ".yaml"), p + " is named after its sweep, " + s.name());
        }
    }
}
