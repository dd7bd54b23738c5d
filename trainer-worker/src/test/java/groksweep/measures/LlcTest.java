package groksweep.measures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import groksweep.config.TrainConfig;
import groksweep.train.MetricRow;
import groksweep.train.Trainer;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

class LlcTest {

    /**
     * A regular model has λ = d/2. Least squares on y = X·w* with X the d×d identity stacked twice
     * is L(w) = ¼‖w − w*‖², so SGLD (nβ 200, γ 1, ε 1e-3) samples each coordinate with variance
     * 1/(a·(1 − εa/4)), a = nβ/2 + γ = 101 (its discretisation's exact stationary variance), and
     * λ̂ = nβ·d/4·that = 1.013·d/2 · 200/202: within 5% of d/2, which 10 chains of 2,000 draws resolve to ~2%.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void aRegularModelHasHalfItsDimension(int d) {
        Torch.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            double[] x = new double[2 * d * d];
            for (int i = 0; i < 2 * d; i++) {
                x[i * d + i % d] = 1;
            }
            NDArray rows = m.create(x, new Shape(2 * d, d)); // [2d, d]
            NDArray wStar = m.create(new double[d]).add(0.5); // [d]
            NDArray y = rows.matMul(wStar); // [2d]
            NDList start = new NDList(wStar.duplicate());
            Llc.Estimate e = Llc.estimate(start, w -> rows.matMul(w.head()).sub(y).square().mean().mul(0.5),
                    new Llc.Settings(1e-3, 1.0, 200, 10, 2_000), 7);
            assertEquals(d / 2.0, e.mean(), 0.05 * d / 2.0, "λ̂ ± " + e.std());
            assertTrue(e.std() > 0 && e.std() < 0.1 * d, "chains agree: " + e.std());
            assertEquals(0.5, start.head().toDoubleArray()[0], 0.0, "w* untouched");
        }
    }

    /**
     * Estimating the LLC leaves the run exactly as it was: every metric of a run with llc_every
     * equals the run without, and the estimate is at the steps asked (and the last), positive once trained.
     */
    @Test
    void estimatingDoesNotChangeTheTrainingTrajectory() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.5, "steps", 120,
                "eval_every", 20, "analysis_every", 0, "d_model", 32, "d_mlp", 64));
        List<MetricRow> plain = train(c);
        List<MetricRow> measured = train(c.with(Map.of("llc_every", 60, "llc_chains", 2, "llc_draws", 20)));
        for (int i = 0; i < plain.size(); i++) {
            MetricRow a = plain.get(i), b = measured.get(i);
            assertEquals(a.trainLoss(), b.trainLoss(), 0.0, "step " + a.step());
            assertEquals(a.testLoss(), b.testLoss(), 0.0, "step " + a.step());
            assertEquals(a.weightSqSum(), b.weightSqSum(), 0.0, "step " + a.step());
            assertEquals(a.updateNorm(), b.updateNorm(), "step " + a.step());
            if (a.step() % 60 == 0) {
                assertNotNull(b.llc(), "step " + a.step());
                assertTrue(Double.isFinite(b.llc().mean()), "step " + a.step() + ": " + b.llc());
                // at initialisation w* is no minimum: the chains descend below L(w*) and λ̂ may be negative
                assertTrue(a.step() == 0 || b.llc().mean() > 0, "step " + a.step() + ": " + b.llc());
            } else {
                assertNull(b.llc(), "step " + a.step());
            }
        }
    }

    private static List<MetricRow> train(TrainConfig c) {
        Torch.useThreads(1);
        try (NDManager m = NDManager.newBaseManager()) {
            return Trainer.alone(Trainer.Member.fresh(c, m, new Trainer.Listener() {}), m, () -> false).metrics();
        }
    }
}
