package groksweep.analysis;

import groksweep.config.ConfigException;
import groksweep.config.Operation;
import groksweep.config.TrainConfig;
import groksweep.results.Layout;
import groksweep.results.ResultsStore;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report: PNG plots under {@code report/} and {@code report.html} beside them, which opens
 * offline. It opens on a phase diagram per modulus with the majority algorithm (clock or pizza)
 * beside it, then the grid summary (cut at {@link Html#MAX_TABLE_ROWS} rows, linking the whole
 * CSV), learning curves per config (seeds overlaid, onsets marked), key-frequency histograms per
 * operation, and the progress measures of grokked runs; a page per operation and per model
 * when the results hold several. This class chooses what to draw and queries it, reading rows by
 * column name; {@link Charts} draws, {@link Html} lays out the pages.
 */
public final class Report {
    /** Bounds of the page, whatever the number of runs: learning-curve plots, seeds per plot, progress-measure plots. */
    static final int MAX_CONFIGS = 24;
    static final int MAX_SEEDS = 8;
    static final int MAX_RUNS = 8;
    /** Runs columns whose values get a page each (report-operation-mul.html) when the results hold more than one. */
    static final List<String> PAGE_AXES = List.of("operation", "model");
    /** The phase diagram's axes unless {@code analyze --axes} names others. */
    public static final String DEFAULT_AXES = "train_fraction,weight_decay";

    private Report() {}

    /** Writes the plots and report.html; returns the report's path. */
    public static String write(SparkSession spark, ResultsStore store) throws IOException {
        return write(spark, store, null, axes(DEFAULT_AXES));
    }

    /**
     * Writes the plots and report.html; returns the report's path. Learning curves are drawn for
     * the configs whose runs match {@code curves} (a SQL condition on the runs view, e.g.
     * "weight_decay = 1"), or, when null, for up to {@link #MAX_CONFIGS} configs spread evenly
     * over the sorted configs; phase diagrams over {@code axes} (see {@link #axes}). Every plot's
     * data comes from one query.
     */
    public static String write(SparkSession spark, ResultsStore store, String curves, List<String> axes) throws IOException {
        System.setProperty("java.awt.headless", "true");
        StringBuilder html = Html.head("groksweep report", store);
        Map<String, List<String>> pages = pages(spark);
        if (!pages.isEmpty()) {
            html.append("<p>Pages per ").append(String.join(" and per ", pages.keySet())).append(":");
            pages.forEach((column, values) -> values.forEach(v -> html.append(" <a href='report-").append(column)
                    .append("-").append(v).append(".html'>").append(column).append(" ").append(v).append("</a>")));
            html.append("</p>\n");
        }
        html.append("<h2>Phase diagrams</h2>");
        List<Row> boundaries = spark.sql("SELECT b.axis, b.search, b.lower, b.upper, r.modulus FROM boundaries b"
                + " JOIN runs r ON r.run_id = split(b.run_ids, ' ')[0] WHERE b.lower IS NOT NULL").collectAsList();
        for (Map.Entry<String, List<Row>> d : diagramCells(spark, axes).entrySet()) {
            String suffix = d.getKey().isEmpty() ? "" : "-p" + d.getKey();
            String title = d.getKey().isEmpty() ? "" : ", p = " + d.getKey();
            List<Row> here = boundaries.stream()
                    .filter(b -> d.getKey().isEmpty() || d.getKey().equals(String.valueOf(b.<Object>getAs("modulus")))).toList();
            html.append("<div class='pair'>").append(Html.img(store, "phases" + suffix + ".png", "phases" + suffix + ".png",
                    Charts.phaseDiagram(d.getValue(), axes, "Phase diagram" + title, here)));
            if (d.getValue().stream().anyMatch(c -> !Charts.majorityAlgorithm(c).equals("not measured"))) {
                html.append(Html.img(store, "algorithms" + suffix + ".png", "algorithms" + suffix + ".png",
                        Charts.algorithmDiagram(d.getValue(), axes, "Clock or pizza" + title)));
            }
            html.append("</div>\n");
        }
        searchedCells(html, spark, store);
        Html.section(html, "Grid summary", spark.table("grid_summary"), Layout.analysis("grid_summary", true));
        html.append("<h2>Learning curves</h2>");
        Curves drawn = curves(html, spark, store, curves);
        html.append("<h2>Loss against weight norm</h2><p>Omnigrok's picture (Liu et al. 2023): each run's path")
                .append(" through (weight norm, loss) as it trains, for the configs above.</p>");
        for (Map.Entry<String, Config> config : drawn.configs().entrySet()) {
            String file = "norm-" + config.getValue().id() + ".png";
            html.append(Html.img(store, file, file,
                    Charts.lossAgainstNorm(config.getKey(), config.getValue().runs(), drawn.byRun())));
        }
        html.append("<h2>Key frequencies</h2>");
        keyFrequencies(html, spark, store, "true", "");
        Html.section(html, "Key-frequency agreement between seeds", spark.table("seed_agreement"));
        keyIrreps(html, spark, store, "true", "");
        html.append("<h2>Progress measures</h2>");
        List<Charts.RunOnsets> measured = spark.sql("""
                SELECT o.run_id, o.memorised_step, o.grokked_step FROM onsets o JOIN runs r USING (run_id)
                ORDER BY o.grokked_step IS NULL, o.grokked_step, o.run_id LIMIT %d""".formatted(MAX_RUNS)).collectAsList()
                .stream().map(Report::onsets).toList();
        Map<String, List<Charts.Measures>> measuresByRun = new LinkedHashMap<>();
        rowsByRun(spark, """
                SELECT run_id, step, restricted_loss, excluded_loss, train_loss, gini_embed, gini_wl FROM metrics
                WHERE restricted_loss IS NOT NULL AND run_id IN (%s) ORDER BY run_id, step""", runIds(measured))
                .forEach((id, rows) -> measuresByRun.put(id, rows.stream().map(m -> new Charts.Measures(m.getAs("step"),
                        m.getAs("restricted_loss"), m.getAs("excluded_loss"), m.getAs("train_loss"), m.getAs("gini_embed"),
                        m.getAs("gini_wl"))).toList()));
        for (Charts.RunOnsets r : measured) {
            String file = "measures-" + r.runId() + ".png";
            html.append(Html.img(store, file, file, Charts.progressMeasures(r, measuresByRun.getOrDefault(r.runId(), List.of()))));
        }
        Map<String, List<Row>> llcByRun = rowsByRun(spark, """
                SELECT run_id, step, llc, train_loss, test_loss FROM metrics
                WHERE llc IS NOT NULL AND run_id IN (%s) ORDER BY run_id, step""", runIds(measured));
        if (!llcByRun.isEmpty()) {
            html.append("<h2>Local learning coefficient</h2><p>devinterp's SGLD estimate (Lau et al. 2023) at the")
                    .append(" steps llc_every asks, beside the losses.</p>");
            for (Charts.RunOnsets r : measured) {
                if (llcByRun.containsKey(r.runId())) {
                    String file = "llc-" + r.runId() + ".png";
                    html.append(Html.img(store, file, file, Charts.llc(r, llcByRun.get(r.runId()).stream()
                            .map(m -> new Charts.LlcPoint(m.getAs("step"), m.getAs("llc"), m.getAs("train_loss"),
                                    m.getAs("test_loss"))).toList())));
                }
            }
        }
        Html.section(html, "Onsets", spark.table("onsets"));
        html.append("</body></html>\n");
        store.writeBytes("report.html", html.toString().getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, List<String>> column : pages.entrySet()) {
            for (String value : column.getValue()) {
                page(spark, store, column.getKey(), value, curves);
            }
        }
        return store.root() + "/report.html";
    }

    /**
     * The values of each of {@link #PAGE_AXES} that has more than one in the runs, sorted; one
     * query. Values are the trainer's own (validated option names), safe in SQL and file names.
     */
    static Map<String, List<String>> pages(SparkSession spark) {
        Row r = spark.sql("SELECT " + String.join(", ", PAGE_AXES.stream()
                .map(c -> "array_sort(collect_set(" + c + ")) AS " + c).toList()) + " FROM runs").first();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String column : PAGE_AXES) {
            List<String> values = r.getList(r.fieldIndex(column));
            if (values.size() > 1) {
                out.put(column, values);
            }
        }
        return out;
    }

    /**
     * report-{@code column}-{@code value}.html: the grid summary, learning curves (of the configs
     * matching {@code curves} too, when given) and key-frequency histograms of the runs whose
     * {@code column} is {@code value}. A query per part, as on report.html.
     */
    static void page(SparkSession spark, ResultsStore store, String column, String value, String curves)
            throws IOException {
        String where = column + " = '" + value + "'";
        String name = column + "-" + value;
        StringBuilder html = Html.head("groksweep report: " + column + " " + value, store);
        html.append("<p>The runs with ").append(column).append(" ").append(value)
                .append(". <a href='report.html'>The whole report</a></p>\n");
        Html.section(html, "Grid summary", spark.sql("SELECT * FROM grid_summary WHERE " + where));
        html.append("<h2>Learning curves</h2>");
        curves(html, spark, store, curves == null ? where : "(" + curves + ") AND " + where);
        html.append("<h2>Key frequencies</h2>");
        keyFrequencies(html, spark, store, where, name + "-");
        keyIrreps(html, spark, store, where, name + "-");
        html.append("</body></html>\n");
        store.writeBytes("report-" + name + ".html", html.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A config whose learning curves are drawn: its id (for file names) and up to {@link #MAX_SEEDS} of its runs. */
    record Config(String id, List<Charts.RunOnsets> runs) {}

    /** The configs whose learning curves were drawn ({@link #configs}) and their runs' curves. */
    record Curves(Map<String, Config> configs, Map<String, List<Charts.Point>> byRun) {}

    /** Learning curves of the configs matching {@code where} (null: a spread of all), from one query. */
    static Curves curves(StringBuilder html, SparkSession spark, ResultsStore store, String where) throws IOException {
        Map<String, Config> configs = configs(spark, where);
        Map<String, List<Charts.Point>> byRun = new LinkedHashMap<>();
        rowsByRun(spark, """
                SELECT run_id, step, train_acc, test_acc, train_loss, test_loss, sqrt(weight_sq_sum) AS weight_norm
                FROM metrics WHERE step > 0 AND run_id IN (%s) ORDER BY run_id, step""",
                runIds(configs.values().stream().flatMap(c -> c.runs().stream()).toList()))
                .forEach((id, rows) -> byRun.put(id, rows.stream().map(m -> new Charts.Point(m.getAs("step"),
                        m.getAs("train_acc"), m.getAs("test_acc"), m.getAs("train_loss"), m.getAs("test_loss"),
                        m.getAs("weight_norm"))).toList()));
        for (Map.Entry<String, Config> config : configs.entrySet()) {
            String file = "curves-" + config.getValue().id() + ".png";
            html.append(Html.img(store, file, file, Charts.learningCurves(config.getKey(), config.getValue().runs(), byRun)));
        }
        return new Curves(configs, byRun);
    }

    /**
     * Config label → the config and up to {@link #MAX_SEEDS} of its runs with their onsets: the
     * configs matching {@code where}, or all; at most {@link #MAX_CONFIGS}, spread evenly.
     */
    static Map<String, Config> configs(SparkSession spark, String where) {
        List<String> cols = Jobs.configColumns(spark);
        String label = "concat_ws(', ', " + String.join(", ",
                cols.stream().map(c -> "concat('" + c + " ', " + Jobs.quoted(c) + ")").toList()) + ")";
        Map<String, Config> all = new LinkedHashMap<>();
        checkCondition(spark, where);
        for (Row r : spark.sql("""
                SELECT %s AS label, substr(sha2(%s, 256), 1, 8) AS config_id, r.run_id, o.memorised_step, o.grokked_step
                FROM runs r LEFT JOIN onsets o USING (run_id) WHERE %s ORDER BY label, r.run_id"""
                .formatted(label, label, where == null ? "true" : where)).collectAsList()) {
            Config config = all.computeIfAbsent(r.getAs("label"), k -> new Config(r.getAs("config_id"), new ArrayList<>()));
            if (config.runs().size() < MAX_SEEDS) {
                config.runs().add(onsets(r));
            }
        }
        List<String> labels = new ArrayList<>(all.keySet());
        Map<String, Config> out = new LinkedHashMap<>();
        int shown = Math.min(MAX_CONFIGS, labels.size());
        for (int i = 0; i < shown; i++) {
            String l = labels.get((int) ((long) i * labels.size() / shown));
            out.put(l, all.get(l));
        }
        return out;
    }

    /** A row's run_id, memorised_step and grokked_step. */
    private static Charts.RunOnsets onsets(Row r) {
        return new Charts.RunOnsets(r.getAs("run_id"), r.getAs("memorised_step"), r.getAs("grokked_step"));
    }

    /** Throws a one-line {@link ConfigException} unless {@code where} (null: none) is a condition on the runs view. */
    public static void checkCondition(SparkSession spark, String where) {
        if (where == null) {
            return;
        }
        try {
            spark.sql("SELECT run_id FROM runs WHERE " + where).schema(); // analysed, not run
        } catch (Exception e) { // Spark's Scala code throws AnalysisException (and ParseException) undeclared
            if (!(e instanceof org.apache.spark.sql.AnalysisException)) {
                throw e;
            }
            throw new ConfigException("--curves: '" + where + "' is not a condition on the runs view; "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The rows of one query over many runs, grouped by their run_id, in query order. */
    static Map<String, List<Row>> rowsByRun(SparkSession spark, String sql, String runIds) {
        Map<String, List<Row>> out = new LinkedHashMap<>();
        if (!runIds.isEmpty()) {
            for (Row r : spark.sql(sql.formatted(runIds)).collectAsList()) {
                out.computeIfAbsent(r.getAs("run_id"), k -> new ArrayList<>()).add(r);
            }
        }
        return out;
    }

    /** The runs' ids, quoted for an IN list. */
    static String runIds(List<Charts.RunOnsets> runs) {
        return String.join(", ", runs.stream().map(r -> "'" + r.runId() + "'").toList());
    }

    /**
     * The two runs columns of {@code analyze --axes X,Y}: two different trainer options, the
     * columns of runs that make a config. Anything else is a one-line {@link ConfigException}
     * naming the option, the value and what is allowed.
     */
    public static List<String> axes(String spec) {
        List<String> names = java.util.Arrays.stream(spec.split(",", -1)).map(String::strip).toList();
        if (names.size() != 2 || names.get(0).equals(names.get(1)) || !TrainConfig.keys().containsAll(names)) {
            throw new ConfigException("--axes: '" + spec + "' is not allowed; expected X,Y, two different trainer options"
                    + " (columns of runs): " + String.join(", ", TrainConfig.keys()));
        }
        return names;
    }

    /** The two-axis searches' diagrams, one per search (at most {@link #MAX_SEARCH_DIAGRAMS}). */
    static void searchedCells(StringBuilder html, SparkSession spark, ResultsStore store) throws IOException {
        Map<String, List<Row>> bySearch = new LinkedHashMap<>();
        for (Row c : spark.sql("SELECT * FROM cells ORDER BY sweep, search").collectAsList()) {
            bySearch.computeIfAbsent(c.<String>getAs("sweep") + ": " + c.<String>getAs("search"), k -> new ArrayList<>()).add(c);
        }
        if (bySearch.isEmpty()) {
            return;
        }
        html.append("<h2>Searched phase diagrams</h2>\n");
        int n = 0;
        for (Map.Entry<String, List<Row>> e : bySearch.entrySet()) {
            if (n++ == MAX_SEARCH_DIAGRAMS) {
                html.append("<p>").append(bySearch.size() - MAX_SEARCH_DIAGRAMS).append(" more: the cells view has them all.</p>\n");
                break;
            }
            String file = "search-" + n + ".png";
            html.append(Html.img(store, file, file, Charts.searchedCells(e.getValue(), e.getKey())));
        }
    }

    static final int MAX_SEARCH_DIAGRAMS = 8;

    /**
     * The cells of the phase diagrams over {@code axes}, by modulus ("" for one diagram when modulus
     * is an axis): {@link Jobs#gridSummary} grouped by modulus and the axes, so a cell pools every
     * run with its two values, whatever their other options. One query for all diagrams.
     */
    static Map<String, List<Row>> diagramCells(SparkSession spark, List<String> axes) {
        boolean perModulus = !axes.contains("modulus");
        List<String> cols = new ArrayList<>(perModulus ? List.of("modulus") : List.of());
        cols.addAll(axes);
        Map<String, List<Row>> out = new LinkedHashMap<>();
        for (Row c : spark.sql(Jobs.gridSummary(cols)).collectAsList()) { // ordered by modulus first
            out.computeIfAbsent(perModulus ? String.valueOf(c.<Object>getAs("modulus")) : "", k -> new ArrayList<>()).add(c);
        }
        return out;
    }

    /**
     * Key-frequency histograms of the ok runs matching {@code where} (a condition on the runs view),
     * per operation and modulus: which k are key, over the operation's group (Z_p for add and sub,
     * Z_(p−1) in discrete logs for mul and div), and how many per run. Two queries whatever the
     * number of runs; images named key-freqs-{@code prefix}operation-pP.png. The polynomials have no
     * key frequencies, so no histograms.
     */
    static void keyFrequencies(StringBuilder html, SparkSession spark, ResultsStore store, String where, String prefix)
            throws IOException {
        Map<String, List<Row>> ks = byOperationAndModulus(spark.sql(Jobs.freqStats(where)).collectAsList());
        Map<String, List<Row>> ns = byOperationAndModulus(spark.sql(Jobs.nKeyFreqs(where)).collectAsList());
        for (Map.Entry<String, List<Row>> e : ns.entrySet()) {
            Row first = e.getValue().get(0);
            Operation op = Operation.of(first.getAs("operation"));
            int p = first.getAs("modulus");
            if (op.group == Operation.Group.NONE) {
                continue;
            }
            String group = op.group == Operation.Group.ADDITIVE ? "Z_" + p : "Z_" + (p - 1) + " (Z_" + p + "* in discrete logs)";
            String name = prefix + op.key + "-p" + p + ".png";
            html.append(Html.img(store, "key-freqs-" + name, "key-freqs-" + name, Charts.histogram(ks.getOrDefault(e.getKey(), List.of()), "k", "runs_with_k",
                    "Key frequencies at the end of training, " + op.key + ", p = " + p, "frequency k of " + group,
                    "runs with k key", (op.group == Operation.Group.ADDITIVE ? p : p - 1) / 2)));
            html.append(Html.img(store, "n-key-freqs-" + name, "n-key-freqs-" + name, Charts.histogram(e.getValue(), "n_key_freqs", "runs",
                    "Number of key frequencies per run, " + op.key + ", p = " + p, "key frequencies", "runs", 0)));
        }
    }

    /**
     * Per group, over the ok runs matching {@code where}: how many end with each irrep key, named
     * with its dimension (Chughtai et al.'s universality question: do seeds pick the same ones?).
     * Nothing where no run has a group; images named key-irreps-{@code prefix}group.png.
     */
    static void keyIrreps(StringBuilder html, SparkSession spark, ResultsStore store, String where, String prefix)
            throws IOException {
        Map<String, List<Row>> byGroup = new LinkedHashMap<>();
        spark.sql(Jobs.keyIrrepCounts(where)).collectAsList()
                .forEach(r -> byGroup.computeIfAbsent(r.getAs("group"), g -> new ArrayList<>()).add(r));
        if (byGroup.isEmpty()) {
            return;
        }
        html.append("<h2>Key irreps</h2><p>Per group, how many runs end with each irrep key (name, its dimension,")
                .append(" * where faithful); the irrep_stats view has them per config.</p>");
        for (Map.Entry<String, List<Row>> e : byGroup.entrySet()) {
            String name = "key-irreps-" + prefix + e.getKey() + ".png";
            long runs = e.getValue().get(0).<Long>getAs("runs");
            html.append(Html.img(store, name, name, Charts.labelledBars(e.getValue(), "label", "runs_with_key",
                    "Key irreps at the end of training, " + e.getKey() + ", " + runs + " runs", "irrep of " + e.getKey(),
                    "runs with it key")));
        }
    }

    /** Rows with operation and modulus columns, grouped by the pair, in query order. */
    private static Map<String, List<Row>> byOperationAndModulus(List<Row> rows) {
        Map<String, List<Row>> out = new LinkedHashMap<>();
        rows.forEach(r -> out.computeIfAbsent(r.getAs("operation") + " " + r.getAs("modulus"), k -> new ArrayList<>()).add(r));
        return out;
    }
}
