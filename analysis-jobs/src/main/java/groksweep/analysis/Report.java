package groksweep.analysis;

import groksweep.config.ConfigException;
import groksweep.config.Operation;
import groksweep.config.TrainConfig;
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
 * offline. Learning curves per config (seeds overlaid, onsets marked), a phase diagram per
 * modulus with the majority algorithm (clock or pizza) beside it, key-frequency histograms per
 * operation, and the progress measures of grokked runs; a page per operation and per model
 * when the results hold several.
 */
public final class Report {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 600;
    /** Bounds of the page, whatever the number of runs: learning-curve plots, seeds per plot, progress-measure plots. */
    static final int MAX_CONFIGS = 24;
    static final int MAX_SEEDS = 8;
    static final int MAX_RUNS = 8;
    static final Map<String, Color> PHASE_COLOURS = Map.of(
            "comprehension", new Color(0x1b9e77), "grokking", new Color(0xd95f02),
            "memorisation", new Color(0x7570b3), "confusion", new Color(0x999999));
    /** Ties ("clock/pizza") take the default colour. */
    static final Map<String, Color> ALGORITHM_COLOURS = Map.of(
            "clock", new Color(0x1f77b4), "pizza", new Color(0xd62728), "neither", new Color(0xbcbd22),
            "not measured", new Color(0xe0e0e0));
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
        StringBuilder html = head("groksweep report", store);
        Map<String, List<String>> pages = pages(spark);
        if (!pages.isEmpty()) {
            html.append("<p>Pages per ").append(String.join(" and per ", pages.keySet())).append(":");
            pages.forEach((column, values) -> values.forEach(v -> html.append(" <a href='report-").append(column)
                    .append("-").append(v).append(".html'>").append(column).append(" ").append(v).append("</a>")));
            html.append("</p>\n");
        }
        section(html, "Grid summary", spark.table("grid_summary"));
        html.append("<h2>Phase diagrams</h2>");
        for (Map.Entry<String, List<Row>> d : diagramCells(spark, axes).entrySet()) {
            String suffix = d.getKey().isEmpty() ? "" : "-p" + d.getKey();
            String title = d.getKey().isEmpty() ? "" : ", p = " + d.getKey();
            html.append("<div class='pair'>").append(img(store, "phases" + suffix + ".png",
                    phaseDiagram(d.getValue(), axes, "Phase diagram" + title)));
            if (d.getValue().stream().anyMatch(c -> !majorityAlgorithm(c).equals("not measured"))) {
                html.append(img(store, "algorithms" + suffix + ".png",
                        algorithmDiagram(d.getValue(), axes, "Clock or pizza" + title)));
            }
            html.append("</div>\n");
        }
        html.append("<h2>Learning curves</h2>");
        Curves drawn = curves(html, spark, store, curves);
        html.append("<h2>Loss against weight norm</h2><p>Omnigrok's picture (Liu et al. 2023): each run's path")
                .append(" through (weight norm, loss) as it trains, for the configs above.</p>");
        for (Map.Entry<String, List<Row>> config : drawn.configs().entrySet()) {
            html.append(img(store, "norm-" + config.getValue().get(0).getAs("config_id") + ".png",
                    lossAgainstNorm(config.getKey(), config.getValue(), drawn.byRun())));
        }
        html.append("<h2>Key frequencies</h2>");
        keyFrequencies(html, spark, store, "true", "");
        section(html, "Key-frequency agreement between seeds", spark.table("seed_agreement"));
        html.append("<h2>Progress measures</h2>");
        List<Row> measured = spark.sql("""
                SELECT o.run_id, o.memorised_step, o.grokked_step FROM onsets o JOIN runs r USING (run_id)
                ORDER BY o.grokked_step IS NULL, o.grokked_step, o.run_id LIMIT %d""".formatted(MAX_RUNS)).collectAsList();
        Map<String, List<Row>> measuresByRun = rowsByRun(spark, """
                SELECT run_id, step, restricted_loss, excluded_loss, train_loss, gini_embed, gini_wl FROM metrics
                WHERE restricted_loss IS NOT NULL AND run_id IN (%s) ORDER BY run_id, step""", runIds(List.of(measured), 0));
        for (Row r : measured) {
            html.append(img(store, "measures-" + r.getString(0) + ".png",
                    progressMeasures(r, measuresByRun.getOrDefault(r.getString(0), List.of()))));
        }
        section(html, "Onsets", spark.table("onsets"));
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
        StringBuilder html = head("groksweep report: " + column + " " + value, store);
        html.append("<p>The runs with ").append(column).append(" ").append(value)
                .append(". <a href='report.html'>The whole report</a></p>\n");
        section(html, "Grid summary", spark.sql("SELECT * FROM grid_summary WHERE " + where));
        html.append("<h2>Learning curves</h2>");
        curves(html, spark, store, curves == null ? where : "(" + curves + ") AND " + where);
        html.append("<h2>Key frequencies</h2>");
        keyFrequencies(html, spark, store, where, name + "-");
        html.append("</body></html>\n");
        store.writeBytes("report-" + name + ".html", html.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The page up to its first heading. */
    private static StringBuilder head(String title, ResultsStore store) {
        return new StringBuilder("<!doctype html><html><head><meta charset='utf-8'><title>").append(title).append("</title><style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:13px}")
                .append("td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}img{max-width:100%}")
                .append(".pair{display:flex;gap:1em}.pair p{flex:1;margin:0}")
                .append("</style></head><body><h1>").append(title).append("</h1><p>Results: ").append(store.root()).append("</p>");
    }

    /** The configs whose learning curves were drawn ({@link #configs}) and their runs' metric rows. */
    record Curves(Map<String, List<Row>> configs, Map<String, List<Row>> byRun) {}

    /** Learning curves of the configs matching {@code where} (null: a spread of all), from one query. */
    static Curves curves(StringBuilder html, SparkSession spark, ResultsStore store, String where) throws IOException {
        Map<String, List<Row>> configs = configs(spark, where);
        Map<String, List<Row>> byRun = rowsByRun(spark, """
                SELECT run_id, step, train_acc, test_acc, train_loss, test_loss, sqrt(weight_sq_sum) FROM metrics
                WHERE step > 0 AND run_id IN (%s) ORDER BY run_id, step""", runIds(configs.values(), 2));
        for (Map.Entry<String, List<Row>> config : configs.entrySet()) {
            html.append(img(store, "curves-" + config.getValue().get(0).getAs("config_id") + ".png",
                    learningCurves(config.getKey(), config.getValue(), byRun)));
        }
        return new Curves(configs, byRun);
    }

    /**
     * Config label → up to {@link #MAX_SEEDS} of its runs (run_id, config_id, memorised and grokked
     * steps): the configs matching {@code where}, or all; at most {@link #MAX_CONFIGS}, spread evenly.
     */
    static Map<String, List<Row>> configs(SparkSession spark, String where) {
        List<String> cols = Jobs.configColumns(spark);
        String label = "concat_ws(', ', " + String.join(", ",
                cols.stream().map(c -> "concat('" + c + " ', " + c + ")").toList()) + ")";
        Map<String, List<Row>> all = new LinkedHashMap<>();
        checkCondition(spark, where);
        for (Row r : spark.sql("""
                SELECT %s AS label, substr(sha2(%s, 256), 1, 8) AS config_id, r.run_id, o.memorised_step, o.grokked_step
                FROM runs r LEFT JOIN onsets o USING (run_id) WHERE %s ORDER BY label, r.run_id"""
                .formatted(label, label, where == null ? "true" : where)).collectAsList()) {
            List<Row> runs = all.computeIfAbsent(r.getString(0), k -> new ArrayList<>());
            if (runs.size() < MAX_SEEDS) {
                runs.add(r);
            }
        }
        List<String> labels = new ArrayList<>(all.keySet());
        Map<String, List<Row>> out = new LinkedHashMap<>();
        int shown = Math.min(MAX_CONFIGS, labels.size());
        for (int i = 0; i < shown; i++) {
            String l = labels.get((int) ((long) i * labels.size() / shown));
            out.put(l, all.get(l));
        }
        return out;
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

    /** The rows of one query over many runs, grouped by run_id (column 0), in query order. */
    static Map<String, List<Row>> rowsByRun(SparkSession spark, String sql, String runIds) {
        Map<String, List<Row>> out = new LinkedHashMap<>();
        if (!runIds.isEmpty()) {
            for (Row r : spark.sql(sql.formatted(runIds)).collectAsList()) {
                out.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
            }
        }
        return out;
    }

    /** The run ids in column {@code column} of the rows, quoted for an IN list. */
    static String runIds(java.util.Collection<List<Row>> groups, int column) {
        return String.join(", ", groups.stream().flatMap(List::stream).map(r -> "'" + r.getString(column) + "'").toList());
    }

    /** Decade labels: plain numbers from 0.0001 up (0.01, 10, 1,000), powers below (1e-9). */
    static final NumberFormat DECADE_LABELS = new NumberFormat() {
        private final DecimalFormat plain = new DecimalFormat("#,##0.####");

        @Override
        public StringBuffer format(double v, StringBuffer to, FieldPosition at) {
            return to.append(v >= 1e-4 ? plain.format(v) : "1e" + Math.round(Math.log10(v)));
        }

        @Override
        public StringBuffer format(long v, StringBuffer to, FieldPosition at) {
            return format((double) v, to, at);
        }

        @Override
        public Number parse(String text, ParsePosition at) {
            return plain.parse(text, at);
        }
    };

    /**
     * A log axis with a tick at each decade labelled as a plain number (10, 100, 1,000), and
     * unlabelled minor ticks at 2–9 times each decade.
     */
    public static LogAxis decades(String label) {
        LogAxis axis = new LogAxis(label);
        axis.setAutoTickUnitSelection(false);
        axis.setTickUnit(new NumberTickUnit(1)); // one decade, in log10 units
        axis.setNumberFormatOverride(DECADE_LABELS);
        axis.setMinorTickCount(9);
        axis.setMinorTickMarksVisible(true);
        return axis;
    }

    static JFreeChart learningCurves(String label, List<Row> runs, Map<String, List<Row>> curves) {
        LogAxis steps = decades("step");
        steps.setSmallestValue(1);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(steps);
        XYSeriesCollection acc = new XYSeriesCollection();
        XYSeriesCollection loss = new XYSeriesCollection();
        for (Row run : runs) {
            String id = run.getString(2);
            XYSeries trainAcc = new XYSeries("train " + id);
            XYSeries testAcc = new XYSeries("test " + id);
            XYSeries trainLoss = new XYSeries("train " + id);
            XYSeries testLoss = new XYSeries("test " + id);
            for (Row m : curves.getOrDefault(id, List.of())) { // run_id, step, train/test acc, train/test loss
                trainAcc.add(m.getInt(1), m.getDouble(2));
                testAcc.add(m.getInt(1), m.getDouble(3));
                trainLoss.add(m.getInt(1), Math.max(m.getDouble(4), 1e-12));
                testLoss.add(m.getInt(1), Math.max(m.getDouble(5), 1e-12));
            }
            acc.addSeries(trainAcc);
            acc.addSeries(testAcc);
            loss.addSeries(trainLoss);
            loss.addSeries(testLoss);
        }
        XYPlot accPlot = new XYPlot(acc, null, new NumberAxis("accuracy"), lines(runs.size()));
        LogAxis lossAxis = decades("loss (nats)");
        lossAxis.setSmallestValue(1e-9);
        XYPlot lossPlot = new XYPlot(loss, null, lossAxis, lines(runs.size()));
        for (int i = 0; i < runs.size(); i++) { // label the first of each kind only: no overlapping text
            mark(accPlot, runs.get(i).get(3), i == 0 ? "memorised" : null, new Color(0x7570b3));
            mark(accPlot, runs.get(i).get(4), i == 0 ? "grokked" : null, new Color(0xd95f02));
        }
        lossPlot.setFixedLegendItems(new LegendItemCollection()); // same runs as above: one legend
        plot.add(accPlot, 1);
        plot.add(lossPlot, 1);
        JFreeChart chart = new JFreeChart("Learning curves", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle(label + "  (solid: train, dashed: test; one colour per seed)"));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /**
     * Train and test loss against the total weight norm √(Σ w²), one path per run in step order:
     * where in norm the test loss falls (Omnigrok's "LU" picture).
     */
    static JFreeChart lossAgainstNorm(String label, List<Row> runs, Map<String, List<Row>> curves) {
        XYSeriesCollection loss = new XYSeriesCollection();
        for (Row run : runs) {
            String id = run.getString(2);
            XYSeries train = new XYSeries("train " + id, false); // unsorted: a path in step order
            XYSeries test = new XYSeries("test " + id, false);
            for (Row m : curves.getOrDefault(id, List.of())) { // ..., train/test loss (4, 5), weight norm (6)
                train.add(m.getDouble(6), Math.max(m.getDouble(4), 1e-12));
                test.add(m.getDouble(6), Math.max(m.getDouble(5), 1e-12));
            }
            loss.addSeries(train);
            loss.addSeries(test);
        }
        NumberAxis norm = new NumberAxis("weight norm √(Σ w²)");
        norm.setAutoRangeIncludesZero(false);
        LogAxis lossAxis = decades("loss (nats)");
        lossAxis.setSmallestValue(1e-9);
        JFreeChart chart = new JFreeChart("Loss against weight norm", JFreeChart.DEFAULT_TITLE_FONT,
                new XYPlot(loss, norm, lossAxis, lines(runs.size())), true);
        chart.addSubtitle(new TextTitle(label + "  (solid: train, dashed: test; one colour per seed)"));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Train solid, test dashed; one colour per run. */
    private static XYLineAndShapeRenderer lines(int runs) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setDrawSeriesLineAsPath(true); // one path per series, so dashes survive dense points
        Color[] palette = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22)};
        for (int i = 0; i < runs; i++) {
            Color c = palette[i % palette.length];
            r.setSeriesPaint(2 * i, c);
            r.setSeriesPaint(2 * i + 1, c);
            r.setSeriesStroke(2 * i, new BasicStroke(1.5f));
            r.setSeriesStroke(2 * i + 1, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1,
                    new float[] {6, 4}, 0));
        }
        return r;
    }

    private static void mark(XYPlot plot, Object step, String label, Color colour) {
        if (step instanceof Integer s && s > 0) {
            ValueMarker m = new ValueMarker(s, colour, new BasicStroke(1f));
            if (label != null) {
                m.setLabel(label);
                m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            }
            plot.addDomainMarker(m);
        }
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
     * The most frequent algorithm of a grid_summary row (n_clock, n_pizza, n_neither); tied ones
     * sorted and joined by '/', as majority_phase; "not measured" when no run of it was.
     */
    static String majorityAlgorithm(Row cell) {
        Map<String, Long> n = new TreeMap<>(Map.of("clock", cell.<Long>getAs("n_clock"),
                "pizza", cell.<Long>getAs("n_pizza"), "neither", cell.<Long>getAs("n_neither")));
        long top = java.util.Collections.max(n.values());
        if (top == 0) {
            return "not measured";
        }
        return String.join("/", n.entrySet().stream().filter(e -> e.getValue() == top).map(Map.Entry::getKey).toList());
    }

    /** The cells over two axes, coloured by majority phase, annotated with the median grokking step. */
    static JFreeChart phaseDiagram(List<Row> cells, List<String> axes, String title) {
        return grid(cells, axes, c -> c.<String>getAs("majority_phase") == null ? "confusion" : c.getAs("majority_phase"),
                PHASE_COLOURS, c -> c.<Double>getAs("median_grokked_step") == null ? null
                        : String.valueOf(Math.round(c.<Double>getAs("median_grokked_step"))),
                title, "majority phase over the runs of each cell (Liu et al. 2022); number: median grokking step");
    }

    /** The cells over two axes, coloured by majority algorithm, annotated with the runs of each. */
    static JFreeChart algorithmDiagram(List<Row> cells, List<String> axes, String title) {
        return grid(cells, axes, Report::majorityAlgorithm, ALGORITHM_COLOURS,
                c -> c.getAs("n_clock") + "/" + c.getAs("n_pizza") + "/" + c.getAs("n_neither"),
                title, "majority algorithm over the measured runs (Zhong et al. 2023; thresholds: README);"
                        + " numbers: clock/pizza/neither runs");
    }

    /**
     * A square per cell at its two axis values (sorted: numbers by value, others as text), coloured
     * by its category, with its label (or none) on it.
     */
    private static JFreeChart grid(List<Row> cells, List<String> axes, java.util.function.Function<Row, String> category,
            Map<String, Color> colours, java.util.function.Function<Row, String> label, String title, String subtitle) {
        List<Object> xs = values(cells, axes.get(0));
        List<Object> ys = values(cells, axes.get(1));
        Map<String, XYSeries> byCategory = new TreeMap<>();
        XYPlot plot = new XYPlot();
        for (Row c : cells) {
            int x = xs.indexOf(c.getAs(axes.get(0)));
            int y = ys.indexOf(c.getAs(axes.get(1)));
            byCategory.computeIfAbsent(category.apply(c), XYSeries::new).add(x, y);
            String text = label.apply(c);
            if (text != null) {
                XYTextAnnotation a = new XYTextAnnotation(text, x, y);
                a.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                plot.addAnnotation(a);
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        byCategory.values().forEach(data::addSeries);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, colours.getOrDefault((String) data.getSeriesKey(i), Color.GRAY));
            r.setSeriesShape(i, new Rectangle(-28, -22, 56, 44));
        }
        plot.setDataset(data);
        plot.setRenderer(r);
        plot.setDomainAxis(new SymbolAxis(axes.get(0).replace('_', ' '), xs.stream().map(String::valueOf).toArray(String[]::new)));
        plot.setRangeAxis(new SymbolAxis(axes.get(1).replace('_', ' '), ys.stream().map(String::valueOf).toArray(String[]::new)));
        plot.getDomainAxis().setLowerMargin(0.2);
        plot.getDomainAxis().setUpperMargin(0.2);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle(subtitle));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** The distinct values of a column, numbers sorted by value, anything else by its text. */
    private static List<Object> values(List<Row> cells, String column) {
        return cells.stream().map(c -> c.getAs(column)).distinct()
                .sorted(java.util.Comparator.comparingDouble((Object v) -> v instanceof Number n ? n.doubleValue() : 0)
                        .thenComparing(String::valueOf))
                .toList();
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
            html.append(img(store, "key-freqs-" + name, histogram(ks.getOrDefault(e.getKey(), List.of()), "k", "runs_with_k",
                    "Key frequencies at the end of training, " + op.key + ", p = " + p, "frequency k of " + group,
                    "runs with k key", (op.group == Operation.Group.ADDITIVE ? p : p - 1) / 2)));
            html.append(img(store, "n-key-freqs-" + name, histogram(e.getValue(), "n_key_freqs", "runs",
                    "Number of key frequencies per run, " + op.key + ", p = " + p, "key frequencies", "runs", 0)));
        }
    }

    /** Rows with operation and modulus columns, grouped by the pair, in query order. */
    private static Map<String, List<Row>> byOperationAndModulus(List<Row> rows) {
        Map<String, List<Row>> out = new LinkedHashMap<>();
        rows.forEach(r -> out.computeIfAbsent(r.getAs("operation") + " " + r.getAs("modulus"), k -> new ArrayList<>()).add(r));
        return out;
    }

    /** Bars of column {@code y} over column {@code x}; the x axis spans 1..maxX when maxX > 0. */
    static JFreeChart histogram(List<Row> rows, String xColumn, String yColumn, String title, String x, String y, int maxX) {
        XYSeries s = new XYSeries(y);
        for (Row r : rows) {
            s.add(((Number) r.getAs(xColumn)).doubleValue(), ((Number) r.getAs(yColumn)).doubleValue());
        }
        XYBarRenderer bars = new XYBarRenderer(0.15);
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, new Color(0x1f77b4));
        NumberAxis xAxis = new NumberAxis(x);
        xAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (maxX > 0) {
            xAxis.setRange(0.5, maxX + 0.5);
        }
        NumberAxis yAxis = new NumberAxis(y);
        yAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYPlot plot = new XYPlot(new org.jfree.data.xy.XYBarDataset(new XYSeriesCollection(s), 0.8), xAxis, yAxis, bars);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    static JFreeChart progressMeasures(Row run, List<Row> rows) {
        String id = run.getString(0);
        XYSeriesCollection losses = new XYSeriesCollection();
        XYSeriesCollection gini = new XYSeriesCollection();
        XYSeries restricted = new XYSeries("restricted loss");
        XYSeries excluded = new XYSeries("excluded loss");
        XYSeries train = new XYSeries("train loss");
        XYSeries giniEmbed = new XYSeries("Gini of W_E spectrum");
        XYSeries giniWl = new XYSeries("Gini of W_L spectrum");
        for (Row m : rows) { // run_id, step, restricted, excluded, train loss, Gini of W_E and W_L
            int step = m.getInt(1);
            restricted.add(step, Math.max(m.getDouble(2), 1e-12));
            excluded.add(step, Math.max(m.getDouble(3), 1e-12));
            train.add(step, Math.max(m.getDouble(4), 1e-12));
            giniEmbed.add(step, m.getDouble(5));
            giniWl.add(step, m.getDouble(6));
        }
        losses.addSeries(restricted);
        losses.addSeries(excluded);
        losses.addSeries(train);
        gini.addSeries(giniEmbed);
        gini.addSeries(giniWl);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("step"));
        LogAxis lossAxis = decades("loss (nats)");
        lossAxis.setSmallestValue(1e-9);
        XYPlot top = new XYPlot(losses, null, lossAxis, coloured(new Color(0xd62728), new Color(0x1f77b4), Color.GRAY));
        XYPlot bottom = new XYPlot(gini, null, new NumberAxis("Gini"), coloured(new Color(0x2ca02c), new Color(0x9467bd)));
        for (XYPlot p : List.of(top, bottom)) {
            mark(p, run.get(1), "memorised", new Color(0x7570b3));
            mark(p, run.get(2), "grokked", new Color(0xd95f02));
        }
        plot.add(top, 2);
        plot.add(bottom, 1);
        JFreeChart chart = new JFreeChart("Progress measures, run " + id, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static XYLineAndShapeRenderer coloured(Color... colours) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < colours.length; i++) {
            r.setSeriesPaint(i, colours[i]);
            r.setSeriesStroke(i, new BasicStroke(2f));
            r.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        return r;
    }

    private static String img(ResultsStore store, String name, JFreeChart chart) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(png, chart, WIDTH, HEIGHT);
        store.writeBytes("report/" + name, png.toByteArray());
        return "<p><img src='report/" + name + "' alt='" + name + "' width='" + WIDTH + "'></p>\n";
    }

    private static void section(StringBuilder html, String title, org.apache.spark.sql.Dataset<Row> ds) {
        html.append("<h2>").append(title).append("</h2><table><tr>");
        for (String c : ds.columns()) {
            html.append("<th>").append(c).append("</th>");
        }
        html.append("</tr>");
        for (Row r : ds.limit(500).collectAsList()) {
            html.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                html.append("<td>").append(escape(TextTable.cell(r.get(i)))).append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</table>\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
