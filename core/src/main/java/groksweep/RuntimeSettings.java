package groksweep;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * How groksweep runs, from {@code groksweep/runtime.properties}: the version, the JVM flags Spark
 * needs on Java 17, and the malloc settings for libtorch. bin/groksweep and the Maven build read
 * the same file, so each is defined once.
 */
public final class RuntimeSettings {
    private RuntimeSettings() {}

    private static final Properties PROPS = load();

    /** This build's version, e.g. 0.2.0-SNAPSHOT. */
    public static String version() {
        return PROPS.getProperty("groksweep.version");
    }

    /** The --add-opens flags (and the two system properties) for a JVM that runs Spark. */
    public static List<String> jvmOpens() {
        return Arrays.asList(PROPS.getProperty("groksweep.jvm.opens").trim().split("\\s+"));
    }

    /** Environment variables for a process that runs libtorch: glibc malloc thresholds. */
    public static Map<String, String> mallocEnv() {
        return Map.of("MALLOC_MMAP_THRESHOLD_", PROPS.getProperty("groksweep.malloc.mmap.threshold"),
                "MALLOC_TRIM_THRESHOLD_", PROPS.getProperty("groksweep.malloc.trim.threshold"));
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = RuntimeSettings.class.getResourceAsStream("/groksweep/runtime.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
