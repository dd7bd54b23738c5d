package groksweep.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Map;

class RunMemoryTest {

    private static final TrainConfig P59 = TrainConfig.defaults().with(Map.of("modulus", 59, "train_fraction", 0.3));

    /** p = 59, float32, fraction 0.3 (1,044 train pairs), by hand from the class comment. */
    @Test
    void oneRunByHand() {
        long data = 2L * 59 * 59 * 3 * 8; // 167,088
        long params = 2 * 60 * 128 + 3 * 128 + 4 * 128 * 128 + 2 * 512 * 128 + 512 + 128; // 212,992
        long perPair = 4 * (11 * 512 + 2 * 128 + 9 * 60) + 6 * 8 * 60; // 28,592
        assertEquals(1044, P59.trainPairs());
        assertEquals((700L << 20) + data + 4 * 4 * params + 59L * 59 * perPair, RunMemory.bytes(P59));
        assertEquals(RunMemory.bytes(P59), RunMemory.bytes(P59, 1));
    }

    /** Each further run of a pack adds its data, parameter copies and 1.25× its train pairs' share. */
    @Test
    void eachFurtherRunOfAPackByHand() {
        long perRun = 167_088 + 4 * 4 * 212_992 + 1044L * 28_592 * 5 / 4; // 40,887,520
        assertEquals(40_887_520L, perRun);
        assertEquals(RunMemory.bytes(P59) + 7 * perRun, RunMemory.bytes(P59, 8));
        assertEquals(perRun, RunMemory.bytes(P59, 64) - RunMemory.bytes(P59, 63));
    }

    @Test
    void aPackTooLargeIsRefusedNamingItsSize() {
        long fitsOne = RunMemory.bytes(P59);
        RunMemory.check(P59, 1, fitsOne);
        ConfigException e = assertThrows(ConfigException.class, () -> RunMemory.check(P59, 8, fitsOne));
        assertTrue(e.getMessage().contains("a pack of 8 runs needs an estimated"), e.getMessage());
    }
}
