package groksweep.analysis;

import groksweep.results.Layout;
import groksweep.results.Onsets;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code analyze}: opens a results root, runs every job, and writes each result as Parquet
 * ({@code analysis/<job>/}) and CSV ({@code analysis/<job>.csv}), {@code views.sql}, and the report.
 */
public final class Analysis {
    private static final Logger LOG = LogManager.getLogger(Analysis.class);

    private Analysis() {}

    public record Done(Results.Opened results, Map<String, String> jobs, String report) {}

    public static Done run(SparkSession spark, String root, Onsets.Thresholds t, boolean report) throws IOException {
        return run(spark, root, t, report, null, Report.axes(Report.DEFAULT_AXES));
    }

    /**
     * As {@link #run(SparkSession, String, Onsets.Thresholds, boolean)}, with learning curves for the
     * runs matching {@code curves} (SQL on runs; null: a spread of configs) and phase diagrams over
     * {@code axes} ({@link Report#axes}).
     */
    public static Done run(SparkSession spark, String root, Onsets.Thresholds t, boolean report, String curves,
            List<String> axes) throws IOException {
        Results.Opened opened = Results.open(spark, root);
        SharedOutput.check(spark, root, opened.store()); // executors read the files and write analysis/
        Report.checkCondition(spark, curves); // before anything is written
        Results.cache(spark);
        Map<String, String> jobs = Jobs.all(spark, t);
        var store = opened.store();
        for (String name : jobs.keySet()) {
            spark.table(name).coalesce(1).write().mode("overwrite")
                    .parquet(new org.apache.hadoop.fs.Path(store.root(), Layout.analysis(name, false)).toString());
            store.writeBytes(Layout.analysis(name, true),
                    (TextTable.render(spark.table(name), TextTable.Format.CSV, Integer.MAX_VALUE) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
        }
        store.writeBytes("views.sql", opened.viewsSql(jobs).getBytes(StandardCharsets.UTF_8));
        String where = null;
        if (report) {
            where = Report.write(spark, store, curves, axes);
        }
        LOG.info("analysis of {} written under {}/analysis", root, store.root());
        return new Done(opened, jobs, where);
    }
}
