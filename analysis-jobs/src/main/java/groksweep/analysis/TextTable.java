package groksweep.analysis;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Rows as people read them: an aligned table, CSV or JSON lines. */
public final class TextTable {
    private TextTable() {}

    public enum Format { TABLE, CSV, JSON }

    public static String render(Dataset<Row> ds, Format format, int maxRows) {
        if (format == Format.JSON) {
            return String.join("\n", ds.limit(maxRows).toJSON().collectAsList());
        }
        List<String> header = List.of(ds.columns());
        List<List<String>> rows = new ArrayList<>();
        for (Row r : ds.limit(maxRows).collectAsList()) {
            List<String> cells = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                cells.add(format == Format.CSV ? exact(r.get(i)) : cell(r.get(i)));
            }
            rows.add(cells);
        }
        return format == Format.CSV ? csv(header, rows) : aligned(header, rows);
    }

    /** For files and programs: doubles in full (shortest round-trip form), lists as in {@link #cell}. */
    static String exact(Object v) {
        return v instanceof Double d ? d.toString() : cell(v);
    }

    /** For people: doubles to 6 significant digits. */
    static String cell(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return d.toString();
            }
            return new java.math.BigDecimal(d).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
        }
        if (v instanceof scala.collection.Seq<?> seq) {
            List<String> xs = new ArrayList<>();
            seq.foreach(x -> xs.add(String.valueOf(x)));
            return "[" + String.join(" ", xs) + "]";
        }
        return String.valueOf(v);
    }

    static String aligned(List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder s = new StringBuilder();
        line(s, header, width);
        List<String> rule = new ArrayList<>();
        for (int w : width) {
            rule.add("-".repeat(w));
        }
        line(s, rule, width);
        rows.forEach(r -> line(s, r, width));
        s.append("(").append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)");
        return s.toString();
    }

    private static void line(StringBuilder s, List<String> cells, int[] width) {
        for (int i = 0; i < cells.size(); i++) {
            s.append(i == 0 ? "" : "  ").append(String.format("%-" + width[i] + "s", cells.get(i)));
        }
        s.append('\n');
    }

    static String csv(List<String> header, List<List<String>> rows) {
        StringBuilder s = new StringBuilder(String.join(",", header)).append('\n');
        for (List<String> r : rows) {
            s.append(r.stream().map(TextTable::quote).collect(Collectors.joining(","))).append('\n');
        }
        return s.toString().stripTrailing();
    }

    private static String quote(String cell) {
        return cell.contains(",") || cell.contains("\"") || cell.contains("\n")
                ? "\"" + cell.replace("\"", "\"\"") + "\"" : cell;
    }
}
