package groksweep.results;

import java.util.Arrays;

/**
 * One row of a results table, set and read by column name only. Each value is checked against its
 * column's type when set, so a value meant for another column cannot slip in by position.
 */
public final class Row {
    private final Table table;
    private final Object[] values;

    Row(Table table) {
        this.table = table;
        this.values = new Object[table.columns().size()];
    }

    public Table table() {
        return table;
    }

    /** Sets {@code column}; the value must have the column's Java type (Integer, Long, Double, String, Boolean, int[]), or be null. */
    public Row set(String column, Object value) {
        int i = table.indexOf(column);
        Column c = table.columns().get(i);
        if (value != null && !c.type().javaType().isInstance(value)) {
            throw new IllegalArgumentException(table.name() + "." + column + " is " + c.type().javaType().getSimpleName()
                    + ", not " + value.getClass().getSimpleName() + " (" + value + ")");
        }
        values[i] = value;
        return this;
    }

    public Object get(String column) {
        return values[table.indexOf(column)];
    }

    public Integer getInt(String column) {
        return (Integer) typed(column, Column.Type.INT32);
    }

    public Long getLong(String column) {
        return (Long) typed(column, Column.Type.INT64);
    }

    public Double getDouble(String column) {
        return (Double) typed(column, Column.Type.DOUBLE);
    }

    public String getString(String column) {
        return (String) typed(column, Column.Type.STRING);
    }

    public int[] getInts(String column) {
        return (int[]) typed(column, Column.Type.INT32_LIST);
    }

    /** The value at column position {@code i}: for the store, which maps columns to Parquet fields. */
    Object at(int i) {
        return values[i];
    }

    private Object typed(String column, Column.Type type) {
        int i = table.indexOf(column);
        Column.Type actual = table.columns().get(i).type();
        if (actual != type) {
            throw new IllegalArgumentException(table.name() + "." + column + " is " + actual + ", not " + type);
        }
        return values[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row r && r.table.name().equals(table.name()) && Arrays.deepEquals(r.values, values);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(table.name()).append('{');
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ", ").append(table.columns().get(i).name()).append('=')
                    .append(values[i] instanceof int[] xs ? Arrays.toString(xs) : values[i]);
        }
        return s.append('}').toString();
    }
}
