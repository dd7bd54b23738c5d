package groksweep.config;

/** A user error in one option: names the option, the value given and what is allowed. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, Object value, String allowed) {
        super(key + ": " + (value == null ? "unknown option" : "'" + value + "' is not allowed")
                + "; expected " + allowed);
        this.key = key;
    }

    public ConfigException(String message) {
        super(message);
        this.key = null;
    }

    /** The option's snake_case name, or null when the error is not about one option. */
    public String key() {
        return key;
    }
}
