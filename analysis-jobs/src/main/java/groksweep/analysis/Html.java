package groksweep.analysis;

import groksweep.results.ResultsStore;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/** The report pages' HTML: their head, tables, and charts saved as PNG under {@code report/} beside them. */
final class Html {
    private Html() {}

    /** At most this many rows in a page's table. */
    static final int MAX_TABLE_ROWS = 500;

    /** The page up to its first heading. */
    static StringBuilder head(String title, ResultsStore store) {
        return new StringBuilder("<!doctype html><html><head><meta charset='utf-8'><title>").append(escape(title))
                .append("</title><style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}")
                .append("td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}img{max-width:100%}")
                .append(".pair{display:flex;gap:1em}.pair p{flex:1;margin:0}")
                .append("</style></head><body><h1>").append(escape(title)).append("</h1><p>Results: ").append(store.root())
                .append("</p>");
    }

    /** A heading and the dataset's first {@link #MAX_TABLE_ROWS} rows as a table. */
    static void section(StringBuilder html, String title, Dataset<Row> ds) {
        section(html, title, ds, null);
    }

    /**
     * As {@link #section(StringBuilder, String, Dataset)}; when the table is cut, a note says so and
     * links {@code csv} (the whole table, relative to the page), if given.
     */
    static void section(StringBuilder html, String title, Dataset<Row> ds, String csv) {
        long rows = ds.count();
        html.append("<h2>").append(title).append("</h2>");
        if (rows > MAX_TABLE_ROWS) {
            html.append("<p>The first ").append(MAX_TABLE_ROWS).append(" of ").append(rows).append(" rows")
                    .append(csv == null ? "" : "; all of them: <a href='" + csv + "'>" + csv + "</a>").append(".</p>");
        }
        html.append("<table><tr>");
        for (String c : ds.columns()) {
            html.append("<th>").append(c).append("</th>");
        }
        html.append("</tr>");
        for (Row r : ds.limit(MAX_TABLE_ROWS).collectAsList()) {
            html.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                html.append("<td>").append(escape(TextTable.cell(r.get(i)))).append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</table>\n");
    }

    /** Saves {@code chart} as {@code report/<file>} and returns the paragraph that shows it. */
    static String img(ResultsStore store, String file, String alt, JFreeChart chart) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(png, chart, Charts.WIDTH, Charts.HEIGHT);
        store.writeBytes("report/" + file, png.toByteArray());
        return "<p><img src='report/" + file + "' alt='" + escape(alt) + "' width='" + Charts.WIDTH + "'></p>\n";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
