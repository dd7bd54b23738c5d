package groksweep.train;

import groksweep.measures.Llc;
import groksweep.measures.ProgressMeasures;
import groksweep.results.Row;
import groksweep.results.Tables;

/**
 * One evaluated step; {@code updateNorm} is null at step 0 (no update yet), {@code noisy} without
 * label noise, {@code llc} except at the steps llc_every asks, {@code measures} except at analysis steps.
 */
public record MetricRow(
        int step,
        double trainLoss,
        double trainAcc,
        double testLoss,
        double testAcc,
        double lr,
        double weightSqSum,
        Double updateNorm,
        Double gradWeightCos,
        Double softmaxCollapse,
        Integer epoch,
        Noisy noisy,
        Llc.Estimate llc,
        ProgressMeasures measures) {

    /** Train accuracies of a run with label noise, by the kind of train pair (shares of each kind). */
    public record Noisy(double clean, double corrupted, double corruptedTrue) {}

    /** This row with the progress measures. */
    public MetricRow with(ProgressMeasures m) {
        return new MetricRow(step, trainLoss, trainAcc, testLoss, testAcc, lr, weightSqSum, updateNorm, gradWeightCos,
                softmaxCollapse, epoch, noisy, llc, m);
    }

    /** A row read back from the metrics table, for its onsets: without its epoch, noise accuracies and progress measures. */
    public static MetricRow fromRow(Row r) {
        return new MetricRow(r.getInt("step"), r.getDouble("train_loss"), r.getDouble("train_acc"),
                r.getDouble("test_loss"), r.getDouble("test_acc"), r.getDouble("lr"), r.getDouble("weight_sq_sum"),
                r.getDouble("update_norm"), r.getDouble("grad_weight_cos"), r.getDouble("softmax_collapse"), null, null, null, null);
    }

    /** The row of the metrics table. */
    public Row toRow(String runId) {
        Row r = Tables.METRICS.row()
                .set("run_id", runId)
                .set("step", step)
                .set("train_loss", trainLoss)
                .set("train_acc", trainAcc)
                .set("test_loss", testLoss)
                .set("test_acc", testAcc)
                .set("lr", lr)
                .set("weight_sq_sum", weightSqSum)
                .set("update_norm", updateNorm)
                .set("grad_weight_cos", gradWeightCos)
                .set("softmax_collapse", softmaxCollapse)
                .set("epoch", epoch);
        if (llc != null) {
            r.set("llc", llc.mean()).set("llc_std", llc.std());
        }
        if (noisy != null) {
            r.set("train_acc_clean", noisy.clean())
                    .set("train_acc_corrupted", noisy.corrupted())
                    .set("corrupted_acc_true", noisy.corruptedTrue());
        }
        if (measures != null) {
            r.set("restricted_loss", measures.restrictedLoss())
                    .set("excluded_loss", measures.excludedLoss())
                    .set("gini_embed", measures.giniEmbed())
                    .set("gini_wl", measures.giniWl())
                    .set("n_key_freqs", measures.keyFreqs() == null ? null : measures.keyFreqs().length)
                    .set("key_freqs", measures.keyFreqs())
                    .set("key_freqs_embed", measures.keyFreqsEmbed())
                    .set("distance_irrelevance", measures.distanceIrrelevance())
                    .set("gradient_symmetricity", measures.gradientSymmetricity())
                    .set("ipr", measures.ipr());
        }
        return r;
    }
}
