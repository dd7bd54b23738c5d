package groksweep.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One trainer option, declared once ({@link TrainConfig}'s static fields): its name, type,
 * default, neutral value, documentation, what values it allows, which other option it needs, and
 * whether runs that differ in it can share a pack. Everything else is derived from the
 * declarations: the defaults, run identity, validation, the CLI flags, the spec keys, the
 * {@code runs} columns, the option table in docs/REFERENCE.md and the pack key.
 *
 * @param <T> Integer, Long, Double, Boolean or String
 */
public final class Option<T> {

    /** Whether runs that differ in an option can train in one pack. */
    public enum Packing {
        /** It fixes tensor shapes or the computation of the step: a pack's runs share it. */
        SHARED,
        /** A number each run of a pack has for itself (a per-run column of the engine). */
        PER_RUN
    }

    /** A rule over the option's value and the whole config, with the text of what it allows. */
    private record Rule<T>(BiPredicate<T, TrainConfig> ok, Function<TrainConfig, String> allowed, boolean relation) {}

    /** A default that follows another option until given itself. */
    record Follow(String source, Function<Map<String, Object>, Object> derive) {}

    /** Every option, in the order declared (static initialisation follows the text). */
    static final List<Option<?>> DECLARED = new ArrayList<>();

    /** Its place in declaration order: where a config keeps its value. */
    final int index;
    public final String name;
    public final Class<T> type;
    public final T defaultValue;
    public final String doc;
    private T neutral; // null: the option existed in 0.1.0, so it always enters the run id
    private Packing packing;
    private final List<Rule<T>> rules = new ArrayList<>();
    final List<Follow> follows = new ArrayList<>();

    private Option(String name, Class<T> type, T defaultValue, String doc) {
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.doc = doc;
        this.index = DECLARED.size();
        DECLARED.add(this);
    }

    static Option<Integer> integer(String name, int defaultValue, String doc) {
        return new Option<>(name, Integer.class, defaultValue, doc);
    }

    static Option<Long> whole(String name, long defaultValue, String doc) {
        return new Option<>(name, Long.class, defaultValue, doc);
    }

    static Option<Double> number(String name, double defaultValue, String doc) {
        return new Option<>(name, Double.class, defaultValue, doc);
    }

    static Option<Boolean> flag(String name, boolean defaultValue, String doc) {
        return new Option<>(name, Boolean.class, defaultValue, doc);
    }

    /** A free-form text option; its checks say what it allows. */
    static Option<String> text(String name, String defaultValue, String doc) {
        return new Option<>(name, String.class, defaultValue, doc);
    }

    /** An option naming one of {@code choices}, allowed as {@code allowed} says (e.g. "adamw, adam or sgd"). */
    static Option<String> choice(String name, String defaultValue, List<String> choices, String allowed, String doc) {
        return new Option<>(name, String.class, defaultValue, doc).check(choices::contains, allowed);
    }

    /** Runs of a pack share it. */
    Option<T> shared() {
        this.packing = Packing.SHARED;
        return this;
    }

    /** Each run of a pack has its own. */
    Option<T> perRun() {
        this.packing = Packing.PER_RUN;
        return this;
    }

    /**
     * Added after 0.1.0: its default is its neutral value, what runs computed before it existed,
     * and a run at it keeps the id it had then ({@link TrainConfig#runId}). Never change it.
     */
    Option<T> neutral() {
        this.neutral = defaultValue;
        return this;
    }

    /** Allowed values, e.g. {@code v -> v > 0} with "an integer > 0". */
    Option<T> check(Predicate<T> ok, String allowed) {
        rules.add(new Rule<>((v, c) -> ok.test(v), c -> allowed, false));
        return this;
    }

    /** Allowed values given the rest of the config (checked once every option's own values are). */
    Option<T> check(BiPredicate<T, TrainConfig> ok, Function<TrainConfig, String> allowed) {
        rules.add(new Rule<>(ok, allowed, true));
        return this;
    }

    /**
     * It means something only when {@code other} has one of {@code values}: elsewhere it must keep
     * its default (it would have no effect).
     */
    Option<T> onlyWith(String other, String... values) {
        List<String> allowed = List.of(values);
        String setting = other + ": " + String.join(" or ", allowed);
        return check((v, c) -> allowed.contains(String.valueOf(c.value(other))) || v.equals(defaultValue),
                c -> "its default " + defaultValue + " unless " + setting + " (it has no effect otherwise)");
    }

    /** Its default follows option {@code source} (through {@code derive} of all values) unless it is given itself. */
    Option<T> follows(String source, Function<Map<String, Object>, T> derive) {
        follows.add(new Follow(source, derive::apply));
        return this;
    }

    /** The neutral value, or null when the option existed in 0.1.0. */
    public T neutralValue() {
        return neutral;
    }

    public Packing packing() {
        return packing;
    }

    /** Throws for the first rule {@code value} breaks: its own rules ({@code relations} false), or those over the config. */
    void validate(T value, TrainConfig c, boolean relations) {
        for (Rule<T> rule : rules) {
            if (rule.relation() == relations && !rule.ok().test(value, c)) {
                throw new ConfigException(name, value, rule.allowed().apply(c));
            }
        }
    }

    /** {@code value} as this option's type: any Number for numbers, "true"/"false" for flags. */
    T coerce(Object value) {
        return type.cast(coerce(name, value, type));
    }

    private static Object coerce(String key, Object value, Class<?> type) {
        if (type == String.class) {
            if (value instanceof String s) {
                return s;
            }
            throw new ConfigException(key, value, "a string");
        }
        if (type == Boolean.class) {
            if (value instanceof Boolean b) {
                return b;
            }
            if (value instanceof String s && (s.equals("true") || s.equals("false"))) {
                return Boolean.valueOf(s);
            }
            throw new ConfigException(key, value, "true or false");
        }
        if (value instanceof Float f) {
            value = f.doubleValue();
        }
        if (!(value instanceof Number n)) {
            throw new ConfigException(key, value, "a number");
        }
        if (type == Double.class) {
            return n.doubleValue();
        }
        boolean whole = value instanceof Integer || value instanceof Long
                || (value instanceof Double d && d == Math.rint(d) && !d.isInfinite());
        if (!whole) {
            throw new ConfigException(key, value, "a whole number");
        }
        long v = n.longValue();
        if (type == Integer.class) {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new ConfigException(key, value, "a 32-bit integer");
            }
            return (int) v;
        }
        return v;
    }

    @Override
    public String toString() {
        return name;
    }
}
