package groksweep.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class SubnormalsTest {

    /** 1.5 × 1e-39 (subnormal in float32) is 1.5e-39 by default, 0 once flushed, and again 1.5e-39 once unset. */
    @Test
    @EnabledOnOs(OS.LINUX)
    void flushingZeroesSubnormalResultsOnThisThreadUntilUnset() {
        Torch.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1e-39f, 1e-30f});
            assertArrayEquals(new float[] {1.5e-39f, 1.5e-30f}, x.mul(1.5f).toFloatArray());
            try {
                assertTrue(Subnormals.flush(true), "libtorch found and the mode set");
                assertArrayEquals(new float[] {0f, 1.5e-30f}, x.mul(1.5f).toFloatArray(), "normal numbers untouched");
            } finally {
                Subnormals.flush(false);
            }
            assertArrayEquals(new float[] {1.5e-39f, 1.5e-30f}, x.mul(1.5f).toFloatArray());
        }
    }
}
