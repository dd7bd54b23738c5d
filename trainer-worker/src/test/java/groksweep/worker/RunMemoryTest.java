package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;
import groksweep.train.Trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * The parameter copies the estimate counts (weights, gradients, the optimizer's state) against
     * those a live run holds after its first update: its weights and their gradients, and every
     * array of its optimizer's saved state but the three scalars (updates, update norm, target
     * norm), for each optimizer state the options make.
     */
    @ParameterizedTest
    @ValueSource(strings = {"adamw", "grokfast ema", "grokfast ma", "2 blocks", "mlp sum", "float64"})
    void parameterCopiesAreThoseALiveRunHolds(String name) {
        TrainConfig small = TrainConfig.defaults().with(Map.of("modulus", 11, "d_model", 16, "n_heads", 2, "d_mlp", 32,
                "steps", 2));
        TrainConfig c = switch (name) {
            case "grokfast ema" -> small.with("grokfast", "ema");
            case "grokfast ma" -> small.with(Map.of("grokfast", "ma", "grokfast_window", 5));
            case "2 blocks" -> small.with("n_layers", 2);
            case "mlp sum" -> small.with(Map.of("model", "mlp", "mlp_input", "sum"));
            case "float64" -> small.with("dtype", "float64");
            default -> small;
        };
        long[] held = new long[1];
        Torch.useThreads(1);
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer.alone(Trainer.Member.fresh(c, m, new Trainer.Listener() {
                @Override
                public void afterUpdate(int step, java.util.function.Supplier<Trainer.Resumed> state) {
                    Trainer.Resumed now = state.get();
                    long weights = now.model().params().stream().mapToLong(NDArray::size).sum();
                    NDList saved = now.optimizer().state(m);
                    long optimizer = saved.stream().mapToLong(NDArray::size).sum() - 3;
                    held[0] = (2 * weights + optimizer) * (c.dtype().equals("float64") ? 8 : 4);
                }
            }), m, () -> false);
        }
        assertEquals(held[0], RunMemory.parameterCopies(c), name);
    }
}
