package groksweep.results;

/** One column of a results table: its Parquet type, whether it may be null, its unit and meaning. */
public record Column(String name, Type type, boolean nullable, String unit, String doc) {

    /** The Parquet types groksweep writes; Spark reads them as int, bigint, double, string, boolean, array&lt;int&gt;. */
    public enum Type {
        INT32(Integer.class), INT64(Long.class), DOUBLE(Double.class), STRING(String.class), BOOLEAN(Boolean.class),
        INT32_LIST(int[].class);

        private final Class<?> javaType;

        Type(Class<?> javaType) {
            this.javaType = javaType;
        }

        /** The Java type of a value of this column in a {@link Row}. */
        public Class<?> javaType() {
            return javaType;
        }
    }

    public static Column required(String name, Type type, String unit, String doc) {
        return new Column(name, type, false, unit, doc);
    }

    public static Column optional(String name, Type type, String unit, String doc) {
        return new Column(name, type, true, unit, doc);
    }
}
