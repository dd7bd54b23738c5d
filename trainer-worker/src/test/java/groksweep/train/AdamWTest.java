package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;

class AdamWTest {

    /**
     * Expected values from torch.optim.AdamW(lr=1e-2, betas=(0.9, 0.98), eps=1e-8,
     * weight_decay=1.0) with LambdaLR(lambda s: min(s / 2, 1)), float64. The third and fourth
     * entries get gradients of 1e-9, where eps dominates √v: adding eps before the bias
     * correction (DJL's AdamW) moves them by ~2e-5 and fails this test.
     */
    @Test
    void matchesTorchAdamWWithWarmupOverThreeSteps() {
        Torch.engine();
        double[][] grads = {{0.1, -0.2, 1e-9, 0.0}, {0.3, 0.1, -1e-9, 2e-9}, {-0.2, 0.05, 1e-9, 0.0}};
        double[][] expected = {
            {1.0, -2.0, 0.5, 3.0}, // lr 0 on the first update: nothing moves
            {0.9904286095618858, -1.9886644615169562, 0.4975239234449761, 2.9845391820253906},
            {0.9779504930346393, -1.9681596808592818, 0.4922434175214958, 2.9540983360137316},
        };
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new double[] {1.0, -2.0, 0.5, 3.0});
            w.setRequiresGradient(true);
            AdamW opt = new AdamW(new AdamW.Settings(1e-2, 0.9, 0.98, 1e-8, 1.0, 2), new NDList(w));
            for (int t = 0; t < 3; t++) {
                try (GradMode g = GradMode.enabled()) {
                    GradMode.backward(w.mul(m.create(grads[t])).sum()); // d/dw (w·g) = g
                }
                try (NDManager scope = m.newSubManager()) {
                    opt.step(scope);
                }
                assertArrayEquals(expected[t], w.toDoubleArray(), 1e-13, "after update " + (t + 1));
            }
            assertEquals(3, opt.updatesDone());
        }
    }

    @Test
    void warmupIsLinearFromZero() {
        AdamW.Settings s = new AdamW.Settings(1e-3, 0.9, 0.98, 1e-8, 1.0, 10);
        assertEquals(0.0, AdamW.learningRate(s, 1));
        assertEquals(1e-4, AdamW.learningRate(s, 2), 1e-18);
        assertEquals(9e-4, AdamW.learningRate(s, 10), 1e-18);
        assertEquals(1e-3, AdamW.learningRate(s, 11));
        assertEquals(1e-3, AdamW.learningRate(s, 5000));
    }
}
