package groksweep.analysis;

import org.apache.spark.sql.SparkSession;

/**
 * The one embedded Spark session of a test JVM, shared by every test class that needs Spark:
 * local[2] (two tasks at once, as on a 2-core executor), bound to loopback, UI off, 2 shuffle
 * partitions, no adaptive execution. No test stops it; it ends with the JVM.
 */
public final class SharedSpark {
    private SharedSpark() {}

    public static synchronized SparkSession get() {
        return SparkSession.builder()
                .appName("groksweep tests")
                .master("local[2]")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", false)
                .config("spark.sql.shuffle.partitions", 2)
                // Adaptive execution re-plans every stage; on test-sized data that is 11% of AnalysisTest's CPU
                // for nothing. The submitted jars in ClusterIT analyse with it, as users do.
                .config("spark.sql.adaptive.enabled", false)
                .getOrCreate();
    }
}
