package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Mini-batches and label noise: what each step sees, what each pair is labelled, and what the metrics say of them. */
class BatchesTest {
    /** p = 23 at fraction 0.5: N = 264 train pairs, so batches of 50 leave a remainder of 14. */
    static final TrainConfig SMALL = TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.5,
            "d_model", 32, "d_mlp", 64, "dtype", "float64", "steps", 30, "eval_every", 10, "analysis_every", 0));

    @Test
    void everyEpochVisitsEachTrainPairOnceInBatchesOfTheSizeAndAFreshOrder() {
        Batches batches = Batches.of(SMALL.with("batch_size", 50));
        assertEquals(6, batches.perEpoch(), "⌈264/50⌉");
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] seen = new int[264];
            for (int j = 0; j < 6; j++) {
                int step = 6 * epoch + j;
                assertEquals(epoch, batches.epoch(step));
                int[] positions = batches.positions(step);
                assertEquals(j < 5 ? 50 : 14, positions.length, "step " + step);
                Arrays.stream(positions).forEach(i -> seen[i]++);
            }
            int e = epoch;
            assertTrue(Arrays.stream(seen).allMatch(n -> n == 1), "epoch " + e + " sees each pair once");
        }
        assertFalse(Arrays.equals(batches.order(0), batches.order(1)), "reshuffled every epoch");
        assertArrayEquals(batches.order(5), Batches.of(SMALL.with("batch_size", 50)).order(5), "from the config alone");
        assertFalse(Arrays.equals(batches.order(0), Batches.of(SMALL.with(Map.of("batch_size", 50, "seed", 1))).order(0)),
                "another data seed, another order");
        assertNull(Batches.of(SMALL), "batch_size 0 is the full batch");
    }

    @Test
    void labelNoiseGivesExactlyTheShareOfTrainPairsAWrongLabelAndLeavesTheRestAlone() {
        Split clean = Split.of(SMALL);
        Split noisy = Split.of(SMALL.with("label_noise", 0.3));
        assertArrayEquals(clean.train(), noisy.train(), "the same split");
        assertArrayEquals(clean.test(), noisy.test());
        assertEquals(0, clean.corrupted());
        assertArrayEquals(Split.labels(SMALL, clean.train()), clean.trainLabels());
        assertEquals(79, noisy.corrupted(), "⌊0.3·264⌋");
        long[] truth = Split.labels(SMALL, noisy.train());
        Set<Long> shifts = new HashSet<>();
        for (int i = 0; i < truth.length; i++) {
            long label = noisy.trainLabels()[i];
            assertTrue(label >= 0 && label < 23, "a class");
            assertEquals(i >= 79, label == truth[i], "pair " + i + ": wrong exactly when corrupted");
            if (i < 79) {
                shifts.add(Math.floorMod(label - truth[i], 23L));
            }
        }
        assertTrue(shifts.size() >= 20, "wrong labels spread over the 22 others: " + shifts);
        assertArrayEquals(noisy.trainLabels(), Split.of(SMALL.with("label_noise", 0.3), noisy.train(), noisy.test()).trainLabels(),
                "an exported split gets the same noise");
        assertFalse(Arrays.equals(noisy.trainLabels(), Split.of(SMALL.with(Map.of("label_noise", 0.3, "data_seed", 1)))
                .trainLabels()), "noise follows the data seed");
    }

    /**
     * Batches of all N pairs are the full batch in another order: in float64 the run equals the
     * full-batch run to rounding. Smaller batches train on other gradients, yet their rows measure
     * the whole train set: at step 0 (the same parameters) the three runs' rows are equal.
     */
    @Test
    void trainMetricsAreOverTheWholeTrainSetWhateverTheBatch() {
        List<MetricRow> full = TrainerTest.train(SMALL).metrics();
        List<MetricRow> all = TrainerTest.train(SMALL.with("batch_size", 264)).metrics();
        List<MetricRow> small = TrainerTest.train(SMALL.with("batch_size", 50)).metrics();
        for (int i = 0; i < full.size(); i++) {
            assertEquals(full.get(i).trainLoss(), all.get(i).trainLoss(), 1e-12 * full.get(i).trainLoss());
            assertEquals(full.get(i).testAcc(), all.get(i).testAcc(), 0.0);
            assertEquals(full.get(i).step(), full.get(i).epoch(), "full batch: a step is an epoch");
            assertEquals(full.get(i).step() / 6, small.get(i).epoch(), "six steps an epoch");
        }
        assertEquals(full.get(0).trainLoss(), small.get(0).trainLoss(), 0.0);
        assertEquals(full.get(0).trainAcc(), small.get(0).trainAcc(), 0.0);
        assertNotEquals(full.get(1).trainLoss(), small.get(1).trainLoss(), "other updates");
    }

    /**
     * With a fifth of the train labels wrong and no weight decay, the model memorises them: at the
     * end every corrupted pair is predicted as its wrong label (none as its true one), and the
     * train accuracy is the clean and corrupted accuracies weighted by their pairs at every row.
     */
    @Test
    void aModelMemorisesCorruptedLabelsAndTheAccuraciesSplitByKindOfPair() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.5, "label_noise", 0.2,
                "weight_decay", 0.0, "steps", 400, "eval_every", 50, "analysis_every", 0));
        Trainer.Result r = TrainerTest.train(c);
        for (MetricRow row : r.metrics()) {
            MetricRow.Noisy noisy = row.noisy();
            assertEquals(row.trainAcc(), (noisy.clean() * (264 - 52) + noisy.corrupted() * 52) / 264, 1e-12,
                    "step " + row.step());
        }
        MetricRow.Noisy end = r.last().noisy();
        assertEquals(1.0, end.corrupted(), "memorised");
        assertEquals(0.0, end.corruptedTrue(), "so never the true label");
        assertEquals(1.0, end.clean());
        assertNull(TrainerTest.train(SMALL).last().noisy(), "clean labels: no such columns");
    }
}
