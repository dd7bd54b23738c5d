package groksweep.results;

/** The results schema as Markdown, for docs/REFERENCE.md (a test keeps the two in step). */
public final class SchemaDoc {
    private SchemaDoc() {}

    public static String markdown() {
        StringBuilder s = new StringBuilder();
        for (Table t : java.util.stream.Stream.concat(Tables.ALL.stream(), java.util.stream.Stream.of(Tables.BOUNDARIES, Tables.CELLS))
                .toList()) {
            s.append("### `").append(t.name()).append("`\n\n").append(t.doc()).append("\n\n")
                    .append("| column | type | unit | meaning |\n|---|---|---|---|\n");
            for (Column c : t.columns()) {
                s.append("| `").append(c.name()).append("` | ").append(sqlType(c)).append(c.nullable() ? ", nullable" : "")
                        .append(" | ").append(c.unit()).append(" | ").append(c.doc()).append(" |\n");
            }
            s.append('\n');
        }
        return s.toString().stripTrailing();
    }

    static String sqlType(Column c) {
        return switch (c.type()) {
            case INT32 -> "int";
            case INT64 -> "bigint";
            case DOUBLE -> "double";
            case STRING -> "string";
            case BOOLEAN -> "boolean";
            case INT32_LIST -> "array<int>";
        };
    }
}
