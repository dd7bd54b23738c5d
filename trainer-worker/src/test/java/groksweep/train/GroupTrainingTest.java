package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;
import groksweep.groups.FiniteGroup;
import groksweep.measures.Irreps;
import groksweep.results.Tables;

import org.junit.jupiter.api.Test;

import java.util.Map;

/** Runs on a finite group's composition table: the cyclic case is the modular one, token for token. */
class GroupTrainingTest {
    static final Map<String, Object> SMALL = Map.of("train_fraction", 0.5, "steps", 120, "eval_every", 20,
            "analysis_every", 60, "dtype", "float64");

    @Test
    void cyclicGroupTrainsExactlyWhatAdditionModNTrains() {
        TrainConfig add = TrainConfig.defaults().with(SMALL).with(Map.of("modulus", 23, "operation", "add")).validate();
        TrainConfig cyclic = TrainConfig.defaults().with(SMALL).with("group", "C23").validate();
        assertEquals(23, cyclic.modulus(), "the group's order, with modulus left out");
        assertNotEquals(add.runId(), cyclic.runId(), "another option, another run");
        assertArrayEquals(Split.of(add).train(), Split.of(cyclic).train(), "the same split");
        Trainer.Result a = TrainerTest.train(add);
        Trainer.Result c = TrainerTest.train(cyclic);
        assertEquals(a.metrics().size(), c.metrics().size());
        for (int i = 0; i < a.metrics().size(); i++) {
            MetricRow x = a.metrics().get(i);
            MetricRow y = c.metrics().get(i);
            assertEquals(x.trainLoss(), y.trainLoss(), 0.0, "step " + x.step());
            assertEquals(x.testLoss(), y.testLoss(), 0.0, "step " + x.step());
            assertEquals(x.testAcc(), y.testAcc(), 0.0, "step " + x.step());
            if (x.measures() != null) {
                assertEquals(x.measures().restrictedLoss(), y.measures().restrictedLoss(), 0.0);
                assertArrayEquals(x.measures().keyFreqs(), y.measures().keyFreqs());
                assertArrayEquals(x.measures().embedNorms(), y.measures().embedNorms(), 0.0);
                Irreps irreps = y.measures().irreps(); // C23's irreps, through its adapted basis
                assertArrayEquals(y.measures().keyFreqs(), irreps.keys(), "key irreps are the key frequencies");
                assertEquals(y.measures().restrictedLoss(), irreps.restrictedLoss(), 1e-9);
                assertEquals(y.measures().excludedLoss(), irreps.excludedLoss(), 1e-9);
                for (int k = 1; k <= 11; k++) {
                    assertEquals(y.measures().clusterSizes()[k - 1], irreps.neurons()[k], "neurons of k" + k);
                }
            }
        }
    }

    /** A C23 run far enough to have key frequencies: its irreps give the same keys, neurons and losses. */
    @Test
    void onACyclicGroupTheIrrepMeasuresAreTheFourierMeasures() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("group", "C23", "train_fraction", 0.6, "steps", 1500,
                "eval_every", 100, "analysis_every", 500)).validate();
        Trainer.Result r = TrainerTest.train(c);
        int measured = 0;
        for (MetricRow row : r.metrics()) {
            if (row.measures() == null) {
                continue;
            }
            Irreps irreps = row.measures().irreps();
            assertArrayEquals(row.measures().keyFreqs(), irreps.keys(), "step " + row.step());
            assertEquals(row.measures().restrictedLoss(), irreps.restrictedLoss(), 1e-6 * row.measures().restrictedLoss());
            assertEquals(row.measures().excludedLoss(), irreps.excludedLoss(), 1e-6 * row.measures().excludedLoss());
            for (int k = 1; k <= 11; k++) {
                assertEquals(row.measures().clusterSizes()[k - 1], irreps.neurons()[k], "neurons of k" + k);
            }
            measured += row.measures().keyFreqs().length;
        }
        assertTrue(measured > 0, "some step has key frequencies to compare");
    }

    @Test
    void aNonAbelianGroupTrainsOnItsTable() {
        TrainConfig s4 = TrainConfig.defaults().with(SMALL).with(Map.of("group", "S4", "steps", 200, "model", "mlp")).validate();
        assertEquals(24, s4.modulus());
        FiniteGroup g = FiniteGroup.of("S4");
        Split split = Split.of(s4);
        assertEquals(288, split.train().length, "half of the 576 pairs");
        long[] labels = Split.labels(s4, split.train());
        for (int i = 0; i < labels.length; i++) {
            int pair = split.train()[i];
            assertEquals(g.multiply(pair / 24, pair % 24), labels[i]);
        }
        Trainer.Result r = TrainerTest.train(s4);
        MetricRow first = r.metrics().get(0);
        assertTrue(r.last().trainLoss() < first.trainLoss() / 4, "it learns: " + first.trainLoss() + " → " + r.last().trainLoss());
        assertTrue(r.last().trainAcc() > 0.9, "memorises: " + r.last().trainAcc());
        assertNull(r.last().measures().keyFreqs(), "no Z_p Fourier measures on S4");
        assertNull(r.last().measures().giniEmbed());
        assertTrue(Math.abs(r.last().measures().gradientSymmetricity()) <= 1);
    }

    /**
     * At initialisation a Gaussian embedding spreads its energy over the irreps as their isotypic
     * dimensions do: S4's irreps 1, 1, 2, 3, 3 hold 1, 1, 4, 9 and 9 of its 24 dimensions.
     */
    @Test
    void irrepSharesOfARandomEmbeddingFollowTheIsotypicDimensions() {
        TrainConfig s4 = TrainConfig.defaults().with(SMALL).with(Map.of("group", "S4", "steps", 1, "model", "mlp")).validate();
        Trainer.Result r = TrainerTest.train(s4);
        MetricRow first = r.last(); // one update from the initial parameters
        double[] expected = {1 / 24.0, 1 / 24.0, 4 / 24.0, 9 / 24.0, 9 / 24.0};
        Irreps irreps = first.measures().irreps();
        for (double[] shares : new double[][] {irreps.embed(), irreps.unembed()}) {
            assertEquals(5, shares.length);
            assertEquals(1.0, java.util.Arrays.stream(shares).sum(), 1e-9);
            for (int i = 0; i < 5; i++) {
                assertEquals(expected[i], shares[i], expected[i] / 2, "irrep " + i + " of " + java.util.Arrays.toString(shares));
            }
        }
        double hidden = 0;
        for (int i = 0; i < 5; i++) {
            hidden += irreps.left()[i] + irreps.right()[i] + irreps.product()[i] - (i == 0 ? 2 * irreps.left()[0] : 0);
            assertTrue(Math.abs(irreps.logitSimilarity()[i]) < 0.3, "an untrained model's logits follow no character: "
                    + java.util.Arrays.toString(irreps.logitSimilarity()));
        }
        assertTrue(hidden <= 1 + 1e-9, "x, y and x·y parts are orthogonal but for the constant, counted thrice: " + hidden);
        assertEquals(5, first.measures().rows(Tables.IRREPS, "x", 0).size(), "one row per irrep");
        assertEquals(0, first.measures().rows(Tables.SPECTRA, "x", 0).size(), "no Fourier spectra on S4");
    }

    @Test
    void aGroupTakesNoModulusOrOperation() {
        TrainConfig base = TrainConfig.defaults();
        assertEquals("modulus: '59' is not allowed; expected 120, the order of group S5: with a group, leave modulus out",
                assertThrows(ConfigException.class, () -> base.with(Map.of("group", "S5", "modulus", 59)).validate()).getMessage());
        assertEquals("operation: 'mul' is not allowed; expected its default add unless group: none (it has no effect otherwise)",
                assertThrows(ConfigException.class, () -> base.with(Map.of("group", "S5", "operation", "mul")).validate()).getMessage());
        assertEquals("group: 'S9' is not allowed; expected none, or " + FiniteGroup.ALLOWED,
                assertThrows(ConfigException.class, () -> base.with("group", "S9").validate()).getMessage());
        assertEquals(120, base.with("group", "S5").with("group", "S5").modulus());
        assertEquals(113, base.with("group", "none").modulus(), "none leaves the modulus as it was");
    }
}
