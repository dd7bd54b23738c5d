package groksweep.cli;

import org.apache.spark.sql.SparkSession;

/** The embedded Spark of the command line: local mode, bound to loopback, UI off unless asked. */
public final class LocalSpark {
    private LocalSpark() {}

    /** A builder for embedded Spark, unless spark-submit already chose a master. */
    public static SparkSession.Builder builder(String appName, String master, boolean ui) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (System.getProperty("spark.master") == null) {
            b.master(master)
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", ui)
                    .config("spark.sql.shuffle.partitions", 4)
                    .config("spark.sql.debug.maxToStringFields", 200); // the runs table is wide: no truncation warning
        }
        return b;
    }
}
