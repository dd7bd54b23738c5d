package groksweep.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Settings whose names look secret (an S3 secret key, a password, a token) never leave the
 * process that needs them: they are redacted wherever groksweep saves, prints or logs settings,
 * and a spec's hash does not depend on their values.
 */
public final class Secrets {
    private Secrets() {}

    /** Spark's own default {@code spark.redaction.regex}, applied to setting names. */
    public static final Pattern NAME = Pattern.compile("(?i)secret|password|token|access[.]?key");

    /** What a redacted value reads as, as Spark shows it. */
    public static final String REDACTED = "*********(redacted)";

    public static boolean isSecret(String name) {
        return NAME.matcher(name).find();
    }

    /** {@code settings} with every secret value replaced by {@link #REDACTED}, order kept. */
    public static Map<String, String> redact(Map<String, String> settings) {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((name, value) -> out.put(name, isSecret(name) ? REDACTED : value));
        return out;
    }
}
