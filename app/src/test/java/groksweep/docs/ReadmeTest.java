package groksweep.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/** The README shows the laptop spec exactly as shipped, and its two set-up commands. */
class ReadmeTest {
    @Test
    void theLaptopSpecAsShippedAndTheTwoCommands() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String spec = Files.readString(Path.of("..", "conf", "sweeps", "laptop.yaml"));
        assertTrue(readme.contains("```yaml\n" + spec + "```\n"), "README: paste conf/sweeps/laptop.yaml as it is");
        assertTrue(readme.contains("bin/groksweep sweep conf/sweeps/laptop.yaml   # a real sweep on embedded Spark")
                && readme.contains("mvn -B verify                                 # the tests"), "the two commands");
        assertTrue(Files.readString(Path.of("..", ".ci", "run")).contains("mvn -B -ntp verify"), "CI runs the test command");
    }
}
