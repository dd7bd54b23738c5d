package groksweep.train;

import groksweep.measures.ProgressMeasures;
import groksweep.results.Row;
import groksweep.results.Tables;

/** One evaluated step; {@code measures} is null except at analysis steps. */
public record MetricRow(
        int step,
        double trainLoss,
        double trainAcc,
        double testLoss,
        double testAcc,
        double lr,
        double weightSqSum,
        ProgressMeasures measures) {

    /** A row read back from the metrics table, without its progress measures. */
    public static MetricRow fromRow(Row r) {
        return new MetricRow(r.getInt("step"), r.getDouble("train_loss"), r.getDouble("train_acc"),
                r.getDouble("test_loss"), r.getDouble("test_acc"), r.getDouble("lr"), r.getDouble("weight_sq_sum"), null);
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
                .set("weight_sq_sum", weightSqSum);
        if (measures != null) {
            r.set("restricted_loss", measures.restrictedLoss())
                    .set("excluded_loss", measures.excludedLoss())
                    .set("gini_embed", measures.giniEmbed())
                    .set("gini_wl", measures.giniWl())
                    .set("n_key_freqs", measures.keyFreqs().length)
                    .set("key_freqs", measures.keyFreqs())
                    .set("key_freqs_embed", measures.keyFreqsEmbed());
        }
        return r;
    }
}
