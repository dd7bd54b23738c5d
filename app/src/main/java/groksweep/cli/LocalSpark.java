package groksweep.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.function.Supplier;

/** The embedded Spark of the command line: local mode, bound to loopback, UI off unless asked. */
public final class LocalSpark {
    private static final Logger LOG = LogManager.getLogger(LocalSpark.class);

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

    /**
     * The session of {@code b} ({@link #start(Supplier)}), whatever the spec or spark-submit says,
     * without Spark's log line for a slow listener: it prints the event, and a job's event carries
     * every Spark setting of the session unredacted, secrets included.
     */
    public static SparkSession start(SparkSession.Builder b) {
        b.config("spark.scheduler.listenerbus.logSlowEvent", false);
        return start(b::getOrCreate);
    }

    /**
     * Starts a session, and starts it once more when its start lost Spark's UI race: in YARN client
     * mode the application master adds its proxy filter to the driver's UI from another thread while
     * SparkContext starts the UI's pages ({@code SparkUI.attachAllHandlers} does not hold the lock
     * the filter's thread takes), and Jetty fails the start with a ConcurrentModificationException.
     * The failed start has stopped its context and its YARN application; nothing was written.
     */
    static <T> T start(Supplier<T> session) {
        try {
            return session.get();
        } catch (ConcurrentModificationException e) {
            if (!lostUiRace(e)) {
                throw e;
            }
            LOG.warn("Spark's UI lost a race with YARN's proxy filter while it started; starting Spark again", e);
            return session.get();
        }
    }

    /** Whether {@code e} was thrown while SparkContext attached its UI's pages. */
    static boolean lostUiRace(ConcurrentModificationException e) {
        return Arrays.stream(e.getStackTrace()).anyMatch(f -> f.getClassName().equals("org.apache.spark.ui.SparkUI")
                && f.getMethodName().equals("attachAllHandlers"));
    }
}
