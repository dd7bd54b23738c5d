package groksweep.train;

import groksweep.measures.ProgressMeasures;

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
    public static MetricRow fromRow(Object[] row) {
        return new MetricRow((Integer) row[1], (Double) row[2], (Double) row[3], (Double) row[4], (Double) row[5],
                (Double) row[6], (Double) row[7], null);
    }

    /** The row of the metrics table ({@code Tables.METRICS} column order). */
    public Object[] toRow(String runId) {
        ProgressMeasures m = measures;
        return new Object[] {
            runId, step, trainLoss, trainAcc, testLoss, testAcc, lr, weightSqSum,
            m == null ? null : m.restrictedLoss(),
            m == null ? null : m.excludedLoss(),
            m == null ? null : m.giniEmbed(),
            m == null ? null : m.giniWl(),
            m == null ? null : m.keyFreqs().length,
            m == null ? null : m.keyFreqs(),
            m == null ? null : m.keyFreqsEmbed()
        };
    }
}
