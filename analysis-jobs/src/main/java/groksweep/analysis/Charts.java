package groksweep.analysis;

import org.apache.spark.sql.Row;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYLineAnnotation;
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
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report's charts, each drawn from values already read (typed records, or grid_summary rows
 * read by column name): learning curves, loss against weight norm, phase and algorithm diagrams,
 * histograms and progress measures, with the styling they share. The full report and the live
 * one draw with the same code.
 */
public final class Charts {
    private Charts() {}

    /** Pixels of every chart. */
    public static final int WIDTH = 900;
    public static final int HEIGHT = 600;

    static final Map<String, Color> PHASE_COLOURS = Map.of(
            "comprehension", new Color(0x1b9e77), "grokking", new Color(0xd95f02),
            "memorisation", new Color(0x7570b3), "confusion", new Color(0x999999));
    /** Ties ("clock/pizza") take the default colour. */
    static final Map<String, Color> ALGORITHM_COLOURS = Map.of(
            "clock", new Color(0x1f77b4), "pizza", new Color(0xd62728), "neither", new Color(0xbcbd22),
            "not measured", new Color(0xe0e0e0));

    /** A run and its onsets (null: not reached). */
    record RunOnsets(String runId, Integer memorised, Integer grokked) {}

    /** One evaluated step of a learning curve; the weight norm is √(Σ w²). */
    record Point(int step, double trainAcc, double testAcc, double trainLoss, double testLoss, double weightNorm) {}

    /** One analysis step's progress measures. */
    /** Progress measures at one analysis step; the Gini coefficients are null on a group other than C_n. */
    record Measures(int step, double restrictedLoss, double excludedLoss, double trainLoss, Double giniEmbed,
            Double giniWl) {}

    /** One step's local learning coefficient (NaN where its chains diverged) beside the run's losses. */
    record LlcPoint(int step, double llc, double trainLoss, double testLoss) {}

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

    /** Accuracies and losses of every seed of a config on log step axes, onsets marked. */
    static JFreeChart learningCurves(String label, List<RunOnsets> runs, Map<String, List<Point>> curves) {
        LogAxis steps = decades("step");
        steps.setSmallestValue(1);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(steps);
        XYSeriesCollection acc = new XYSeriesCollection();
        XYSeriesCollection loss = new XYSeriesCollection();
        for (RunOnsets run : runs) {
            String id = run.runId();
            XYSeries trainAcc = new XYSeries("train " + id);
            XYSeries testAcc = new XYSeries("test " + id);
            XYSeries trainLoss = new XYSeries("train " + id);
            XYSeries testLoss = new XYSeries("test " + id);
            for (Point m : curves.getOrDefault(id, List.of())) {
                trainAcc.add(m.step(), m.trainAcc());
                testAcc.add(m.step(), m.testAcc());
                trainLoss.add(m.step(), Math.max(m.trainLoss(), 1e-12));
                testLoss.add(m.step(), Math.max(m.testLoss(), 1e-12));
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
            mark(accPlot, runs.get(i).memorised(), i == 0 ? "memorised" : null, new Color(0x7570b3));
            mark(accPlot, runs.get(i).grokked(), i == 0 ? "grokked" : null, new Color(0xd95f02));
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
    static JFreeChart lossAgainstNorm(String label, List<RunOnsets> runs, Map<String, List<Point>> curves) {
        XYSeriesCollection loss = new XYSeriesCollection();
        for (RunOnsets run : runs) {
            String id = run.runId();
            XYSeries train = new XYSeries("train " + id, false); // unsorted: a path in step order
            XYSeries test = new XYSeries("test " + id, false);
            for (Point m : curves.getOrDefault(id, List.of())) {
                train.add(m.weightNorm(), Math.max(m.trainLoss(), 1e-12));
                test.add(m.weightNorm(), Math.max(m.testLoss(), 1e-12));
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

    private static void mark(XYPlot plot, Integer step, String label, Color colour) {
        if (step != null && step > 0) {
            int s = step;
            ValueMarker m = new ValueMarker(s, colour, new BasicStroke(1f));
            if (label != null) {
                m.setLabel(label);
                m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            }
            plot.addDomainMarker(m);
        }
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

    /**
     * The cells over two axes, coloured by majority phase, annotated with the median grokking step;
     * with the boundaries searches found across it ({@code boundaries}: rows of
     * the boundaries view with a bracket), each a black bar across its cell row at the bracket's
     * midpoint, placed between the cells' values of the searched axis.
     */
    static JFreeChart phaseDiagram(List<Row> cells, List<String> axes, String title, List<Row> boundaries) {
        JFreeChart chart = grid(cells, axes, c -> c.<String>getAs("majority_phase") == null ? "confusion" : c.getAs("majority_phase"),
                PHASE_COLOURS, c -> c.<Double>getAs("median_grokked_step") == null ? null
                        : String.valueOf(Math.round(c.<Double>getAs("median_grokked_step"))),
                title, "majority phase over the runs of each cell (Liu et al. 2022); number: median grokking step"
                        + (boundaries.isEmpty() ? "" : "; black bars: boundaries found by searches, one per search"));
        for (Row b : boundaries) {
            int searched = axes.indexOf(b.<String>getAs("axis"));
            if (searched < 0) {
                continue;
            }
            String other = axes.get(1 - searched);
            List<Object> across = values(cells, other);
            String value = settings(b.getAs("search")).get(other);
            int row = value != null ? across.stream().map(String::valueOf).toList().indexOf(value) : across.size() == 1 ? 0 : -1;
            if (row < 0) {
                continue;
            }
            double at = position(values(cells, axes.get(searched)),
                    (b.<Double>getAs("lower") + b.<Double>getAs("upper")) / 2);
            var bar = searched == 0 ? new XYLineAnnotation(at, row - 0.4, at, row + 0.4, new BasicStroke(3f), Color.BLACK)
                    : new XYLineAnnotation(row - 0.4, at, row + 0.4, at, new BasicStroke(3f), Color.BLACK);
            chart.getXYPlot().addAnnotation(bar);
        }
        return chart;
    }

    /**
     * A two-axis search's quadtree: each leaf cell a box over its own extent, coloured by the
     * outcome its corners share (a phase, or yes/no), black where they differ one step apart.
     * Small boxes are where the search refined: the diagram shows the resolution reached there.
     */
    static JFreeChart searchedCells(List<Row> cells, String title) {
        Map<String, Color> colours = new TreeMap<>(PHASE_COLOURS);
        colours.putAll(Map.of("yes", new Color(0x1b9e77), "no", new Color(0x7570b3), "mixed", Color.BLACK,
                "pending", Color.WHITE, "unresolved", Color.LIGHT_GRAY));
        XYPlot plot = new XYPlot();
        XYSeriesCollection legend = new XYSeriesCollection(); // one empty series per outcome drawn, for the legend
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        double x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
        for (Row c : cells) {
            String outcome = c.getAs("cell");
            Color fill = colours.getOrDefault(outcome, Color.GRAY);
            plot.addAnnotation(new org.jfree.chart.annotations.XYBoxAnnotation(c.<Double>getAs("x_lower"),
                    c.<Double>getAs("y_lower"), c.<Double>getAs("x_upper"), c.<Double>getAs("y_upper"),
                    new BasicStroke(0.5f), Color.WHITE, fill));
            if (legend.getSeriesIndex(outcome) < 0) {
                legend.addSeries(new XYSeries(outcome));
                r.setSeriesPaint(legend.getSeriesCount() - 1, fill);
                r.setSeriesShape(legend.getSeriesCount() - 1, new Rectangle(-6, -6, 12, 12));
            }
            x0 = Math.min(x0, c.<Double>getAs("x_lower"));
            x1 = Math.max(x1, c.<Double>getAs("x_upper"));
            y0 = Math.min(y0, c.<Double>getAs("y_lower"));
            y1 = Math.max(y1, c.<Double>getAs("y_upper"));
        }
        plot.setDataset(legend);
        plot.setRenderer(r);
        Row any = cells.get(0);
        NumberAxis x = new NumberAxis(any.<String>getAs("x_axis").replace('_', ' '));
        NumberAxis y = new NumberAxis(any.<String>getAs("y_axis").replace('_', ' '));
        x.setRange(x0, x1);
        y.setRange(y0, y1);
        plot.setDomainAxis(x);
        plot.setRangeAxis(y);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle("leaf cells of the search's quadtree by the outcome (" + any.getAs("outcome")
                + ") their corners share; black: corners differ one step apart, the boundary"));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** A search's grid combination, "seed=1, weight_decay=1.0", as option → value text. */
    static Map<String, String> settings(String search) {
        Map<String, String> m = new TreeMap<>();
        for (String kv : search.split(", ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    /** Where {@code v} falls on an axis of cells at 0, 1, ... with these sorted numeric values, linearly between them. */
    static double position(List<Object> values, double v) {
        for (int i = 0; i + 1 < values.size(); i++) {
            double a = ((Number) values.get(i)).doubleValue(), b = ((Number) values.get(i + 1)).doubleValue();
            if (v <= b) {
                return v <= a ? i : i + (v - a) / (b - a);
            }
        }
        return values.size() - 1;
    }

    /** The cells over two axes, coloured by majority algorithm, annotated with the runs of each. */
    static JFreeChart algorithmDiagram(List<Row> cells, List<String> axes, String title) {
        return grid(cells, axes, Charts::majorityAlgorithm, ALGORITHM_COLOURS,
                c -> c.getAs("n_clock") + "/" + c.getAs("n_pizza") + "/" + c.getAs("n_neither"),
                title, "majority algorithm over the measured runs (Zhong et al. 2023; thresholds: docs/REFERENCE.md);"
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

    /** Bars of column {@code yColumn}, one per row in order, each named by column {@code labelColumn}. */
    static JFreeChart labelledBars(List<Row> rows, String labelColumn, String yColumn, String title, String x, String y) {
        XYSeries s = new XYSeries(y);
        String[] labels = new String[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            labels[i] = String.valueOf(rows.get(i).<Object>getAs(labelColumn));
            s.add(i, ((Number) rows.get(i).getAs(yColumn)).doubleValue());
        }
        return bars(s, new SymbolAxis(x, labels), title);
    }

    /** Bars of column {@code y} over column {@code x}; the x axis spans 1..maxX when maxX > 0. */
    static JFreeChart histogram(List<Row> rows, String xColumn, String yColumn, String title, String x, String y, int maxX) {
        XYSeries s = new XYSeries(y);
        for (Row r : rows) {
            s.add(((Number) r.getAs(xColumn)).doubleValue(), ((Number) r.getAs(yColumn)).doubleValue());
        }
        NumberAxis xAxis = new NumberAxis(x);
        xAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (maxX > 0) {
            xAxis.setRange(0.5, maxX + 0.5);
        }
        return bars(s, xAxis, title);
    }

    /** Flat bars of {@code s} (named by the y axis it counts) over {@code xAxis}. */
    private static JFreeChart bars(XYSeries s, org.jfree.chart.axis.ValueAxis xAxis, String title) {
        XYBarRenderer bars = new XYBarRenderer(0.15);
        bars.setShadowVisible(false);
        bars.setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
        bars.setSeriesPaint(0, new Color(0x1f77b4));
        NumberAxis yAxis = new NumberAxis(String.valueOf(s.getKey()));
        yAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYPlot plot = new XYPlot(new org.jfree.data.xy.XYBarDataset(new XYSeriesCollection(s), 0.8), xAxis, yAxis, bars);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    static JFreeChart progressMeasures(RunOnsets run, List<Measures> rows) {
        String id = run.runId();
        XYSeriesCollection losses = new XYSeriesCollection();
        XYSeriesCollection gini = new XYSeriesCollection();
        XYSeries restricted = new XYSeries("restricted loss");
        XYSeries excluded = new XYSeries("excluded loss");
        XYSeries train = new XYSeries("train loss");
        XYSeries giniEmbed = new XYSeries("Gini of W_E spectrum");
        XYSeries giniWl = new XYSeries("Gini of W_L spectrum");
        for (Measures m : rows) {
            restricted.add(m.step(), Math.max(m.restrictedLoss(), 1e-12));
            excluded.add(m.step(), Math.max(m.excludedLoss(), 1e-12));
            train.add(m.step(), Math.max(m.trainLoss(), 1e-12));
            if (m.giniEmbed() != null) { // no Fourier spectra on a non-cyclic group
                giniEmbed.add(m.step(), m.giniEmbed());
                giniWl.add(m.step(), m.giniWl());
            }
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
            mark(p, run.memorised(), "memorised", new Color(0x7570b3));
            mark(p, run.grokked(), "grokked", new Color(0xd95f02));
        }
        plot.add(top, 2);
        plot.add(bottom, 1);
        JFreeChart chart = new JFreeChart("Progress measures, run " + id, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** A run's LLC estimates over its steps (top) above its train and test loss (bottom, log), onsets marked. */
    static JFreeChart llc(RunOnsets run, List<LlcPoint> rows) {
        XYSeries llc = new XYSeries("local learning coefficient");
        XYSeries train = new XYSeries("train loss");
        XYSeries test = new XYSeries("test loss");
        for (LlcPoint p : rows) {
            if (Double.isFinite(p.llc())) {
                llc.add(p.step(), p.llc());
            }
            train.add(p.step(), Math.max(p.trainLoss(), 1e-12));
            test.add(p.step(), Math.max(p.testLoss(), 1e-12));
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("step"));
        LogAxis lossAxis = decades("loss (nats)");
        lossAxis.setSmallestValue(1e-9);
        XYPlot top = new XYPlot(new XYSeriesCollection(llc), null, new NumberAxis("LLC"), coloured(new Color(0x1b9e77)));
        XYSeriesCollection losses = new XYSeriesCollection(train);
        losses.addSeries(test);
        XYPlot bottom = new XYPlot(losses, null, lossAxis, coloured(Color.GRAY, new Color(0xd62728)));
        for (XYPlot p : List.of(top, bottom)) {
            mark(p, run.memorised(), "memorised", new Color(0x7570b3));
            mark(p, run.grokked(), "grokked", new Color(0xd95f02));
        }
        plot.add(top, 1);
        plot.add(bottom, 1);
        JFreeChart chart = new JFreeChart("Local learning coefficient, run " + run.runId(), JFreeChart.DEFAULT_TITLE_FONT,
                plot, true);
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
}
