package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A shape timed once is not timed again with the same settings; other settings, or a damaged file, time it. */
class StepCostsTest {
    @TempDir
    Path dir;

    static final TrainConfig SMALL = TrainConfig.defaults().with(Map.of("modulus", 7, "d_mlp", 32, "steps", 10));

    @Test
    void aShapeTimedBeforeIsReadBackNotTimedAgain() throws Exception {
        StepCosts cache = new StepCosts(dir.resolve("groksweep/step-costs.properties"));
        List<TrainConfig> pack = List.of(SMALL);
        assertFalse(cache.known(pack, "cpu", 1, 1));
        StepCosts.Timed first = cache.cost(pack, "cpu", 1, 1, Duration.ofMillis(100));
        assertFalse(first.earlier());
        StepCosts.Timed again = cache.cost(List.of(SMALL.with(Map.of("seed", 3, "weight_decay", 0.2))), "cpu", 1, 1,
                Duration.ofMillis(100));
        assertTrue(again.earlier(), "another run of the same shape");
        assertEquals(first.cost(), again.cost(), "the very numbers timed before");

        assertFalse(cache.known(pack, "cpu", 1, 2), "two copies at once are another timing");
        assertFalse(cache.known(List.of(SMALL, SMALL.with("seed", 1)), "cpu", 1, 1), "a pack of two is another shape");
        assertFalse(cache.known(List.of(SMALL.with("d_mlp", 64)), "cpu", 1, 1), "another width is another shape");
        assertNotEquals(StepCosts.key(pack, "cpu", 1, 1), StepCosts.key(pack, "cpu", 2, 1));

        Files.writeString(dir.resolve("groksweep/step-costs.properties"), "\\u00zz garbage");
        assertFalse(cache.cost(pack, "cpu", 1, 1, Duration.ofMillis(100)).earlier(), "a damaged file is no cache");
        assertTrue(cache.known(pack, "cpu", 1, 1), "and is written anew");
    }
}
