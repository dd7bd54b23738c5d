package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.analysis.Fixture;
import groksweep.analysis.Charts;
import groksweep.analysis.SharedSpark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

/** analyze and sql end to end on a small results directory of real Parquet files. */
class AnalysisTest {
    static SparkSession spark;
    @TempDir static Path dir;
    /** Two operations and two models (Fixture.operationCases), analysed with --axes train_fraction,operation. */
    @TempDir static Path ops;

    @BeforeAll
    static void start() throws Exception {
        spark = SharedSpark.get();
        new Fixture(ops.toString()).operationCases();
        assertEquals(0, new CommandLine(new AnalyzeCommand()).execute(ops.toString(), "--axes", "train_fraction,operation"));
        Fixture f = new Fixture(dir.toString());
        f.onsetCases();
        f.frequencyCases();
        assertEquals(0, new CommandLine(new AnalyzeCommand()).execute(dir.toString()));
    }

    /** The report opens on the phase diagrams; the grid summary comes after them. */
    @Test
    void theReportOpensOnThePhaseDiagram() throws Exception {
        String html = Files.readString(dir.resolve("report.html"));
        int diagram = html.indexOf("<h2>Phase diagrams</h2>");
        assertTrue(diagram > 0 && diagram < html.indexOf("<h2>Grid summary</h2>")
                && html.indexOf("<h2>Grid summary</h2>") < html.indexOf("<h2>Learning curves</h2>"), html.substring(0, 600));
    }

    /** --axes picks the diagram's axes; the clock-or-pizza chart is drawn beside it only when some run was measured. */
    @Test
    void diagramsOverTheChosenAxesWithAlgorithmsWhereMeasured() throws Exception {
        String html = Files.readString(ops.resolve("report.html"));
        assertTrue(html.contains("<div class='pair'><p><img src='report/phases-p7.png'"), html);
        assertTrue(html.contains("<p><img src='report/algorithms-p7.png'"), html);
        assertTrue(Files.exists(ops.resolve("report/algorithms-p7.png")));
        assertEquals(List.of("n_clock", "n_pizza", "n_neither"), List.of(Files.readAllLines(
                ops.resolve("analysis/grid_summary.csv")).get(0).split(",")).subList(13, 16));
        assertFalse(Files.exists(dir.resolve("report/algorithms-p7.png")), "no run of the onset cases was measured");
        assertFalse(Files.readString(dir.resolve("report.html")).contains("algorithms-p7.png"));
    }

    @Test
    void plotsAreRealPicturesOfTheStatedSize() throws Exception {
        List<Path> pngs;
        try (Stream<Path> files = Files.list(dir.resolve("report"))) {
            pngs = files.filter(p -> p.toString().endsWith(".png")).toList();
        }
        assertTrue(pngs.stream().anyMatch(p -> p.getFileName().toString().equals("phases-p7.png")));
        assertTrue(pngs.stream().anyMatch(p -> p.getFileName().toString().equals("key-freqs-add-p7.png")));
        assertTrue(pngs.stream().filter(p -> p.getFileName().toString().startsWith("curves-")).count() >= 2);
        assertEquals(pngs.stream().filter(p -> p.getFileName().toString().startsWith("curves-")).count(),
                pngs.stream().filter(p -> p.getFileName().toString().startsWith("norm-")).count(),
                "a loss-against-norm plot for each config with learning curves");
        for (Path png : pngs) {
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(Charts.WIDTH, img.getWidth(), png.toString());
            assertEquals(Charts.HEIGHT, img.getHeight(), png.toString());
            assertTrue(variance(img) > 100, "not blank: " + png);
        }
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("src='report/phases-p7.png'"));
        assertTrue(!html.contains("http://") && !html.contains("https://"), "opens offline");
    }

    /**
     * A page per operation and per model, linked from report.html, each with its configs' learning
     * curves and its own key-frequency histograms; none when the results hold one of each.
     */
    @Test
    void pagesPerOperationAndModel() throws Exception {
        String html = Files.readString(ops.resolve("report.html"));
        Map<String, Integer> curves = Map.of("operation-add", 3, "operation-mul", 2, "model-mlp", 2, "model-transformer", 3);
        for (Map.Entry<String, Integer> page : curves.entrySet()) {
            String name = "report-" + page.getKey() + ".html";
            assertTrue(html.contains("<a href='" + name + "'>"), name);
            String text = Files.readString(ops.resolve(name));
            assertEquals((long) page.getValue(), count(text, "<img src='report/curves-"), name + ": one plot per config");
            assertEquals(page.getValue() + 1, count(text, "<tr>"), name + ": grid summary, header and one row per config");
            java.util.regex.Matcher img = java.util.regex.Pattern.compile("src='(report/[^']+)'").matcher(text);
            while (img.find()) {
                assertTrue(Files.exists(ops.resolve(img.group(1))), img.group(1));
            }
        }
        String mul = Files.readString(ops.resolve("report-operation-mul.html"));
        assertTrue(mul.contains("src='report/key-freqs-operation-mul-mul-p7.png'"), mul);
        assertFalse(mul.contains("-add-p7.png"), "no add histograms on the mul page");
        String mlp = Files.readString(ops.resolve("report-model-mlp.html"));
        assertTrue(mlp.contains("src='report/key-freqs-model-mlp-add-p7.png'") && mlp.contains("key-freqs-model-mlp-mul-p7.png"));
        assertFalse(Files.readString(dir.resolve("report.html")).contains("report-operation-"), "one operation: no pages");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("report.html"), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("report") && n.endsWith(".html")).toList());
        }
    }

    static long count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void everyJobIsWrittenAsParquetAndCsv() throws Exception {
        for (String job : List.of("onsets", "phases", "algorithms", "grid_summary", "key_freqs", "freq_stats", "n_key_freqs", "seed_agreement")) {
            assertTrue(Files.isDirectory(dir.resolve("analysis/" + job)), job);
            assertTrue(Files.exists(dir.resolve("analysis/" + job + ".csv")), job);
        }
        List<String> csv = Files.readAllLines(dir.resolve("analysis/phases.csv"));
        assertEquals("run_id,t_train,t_test,phase", csv.get(0));
        assertEquals(9, csv.size(), "header and 8 runs");
        assertEquals(8L, spark.read().parquet(dir.resolve("analysis/onsets").toString()).count());
    }

    @Test
    void sqlPrintsTheRowsOfAKnownQuery() throws Exception {
        String out = capture(() -> new CommandLine(new SqlCommand()).execute(dir.toString(),
                "SELECT run_id, grokked_step FROM onsets WHERE run_id IN ('fallback', 'last') ORDER BY run_id"));
        assertEquals(String.join("\n",
                "run_id    grokked_step",
                "--------  ------------",
                "fallback  500         ",
                "last      2000        ",
                "(2 rows)"), out.strip());
        String csv = capture(() -> new CommandLine(new SqlCommand()).execute(dir.toString(), "--format", "csv",
                "SELECT k, runs_with_k FROM freq_stats ORDER BY k"));
        assertEquals("k,runs_with_k\n1,2\n2,1\n3,1", csv.strip());
        assertTrue(Files.readString(dir.resolve("views.sql")).contains("CREATE OR REPLACE TEMPORARY VIEW onsets AS"));
    }

    /** A result cut at --max-rows says so on stderr, in every format, with the rows left out and the flag that shows all. */
    @Test
    void aResultCutAtMaxRowsSaysSo() throws Exception {
        for (String format : List.of("table", "csv", "json")) {
            StringWriter err = new StringWriter();
            CommandLine cmd = new CommandLine(new SqlCommand());
            cmd.setErr(new PrintWriter(err, true));
            String out = capture(() -> assertEquals(0, cmd.execute(dir.toString(), "--format", format, "--max-rows", "1",
                    "SELECT k FROM freq_stats ORDER BY k")));
            assertTrue(out.contains("1"), format + ": " + out);
            assertEquals("warning: the first 1 of 3 rows; 2 left out (--max-rows 3 shows all)", err.toString().strip(), format);
        }
        StringWriter err = new StringWriter();
        CommandLine whole = new CommandLine(new SqlCommand());
        whole.setErr(new PrintWriter(err, true));
        capture(() -> assertEquals(0, whole.execute(dir.toString(), "--max-rows", "3", "SELECT k FROM freq_stats")));
        assertEquals("", err.toString(), "nothing left out, nothing said");
        capture(() -> assertEquals(2, whole.execute(dir.toString(), "--max-rows", "0", "SELECT 1")));
        assertEquals("error: --max-rows: '0' is not allowed; expected an integer ≥ 1", err.toString().strip());
    }

    /**
     * After {@code compact}, sql answers exactly as before from one file per table; a run written
     * again afterwards (retrained) is read from its new files, once.
     */
    @Test
    void compactedResultsAnswerTheSameQueries() throws Exception {
        Path root = dir.resolve("compacted");
        groksweep.results.ResultsStore store = new groksweep.results.ResultsStore(root.toString());
        List<String> ids = groksweep.results.SyntheticResults.write(store, 12, 4);
        String query = "SELECT r.run_id, count(*) AS n, sum(m.test_loss) AS s, o.grokked_step FROM runs r "
                + "JOIN metrics m USING (run_id) JOIN onsets o USING (run_id) GROUP BY r.run_id, o.grokked_step ORDER BY 1";
        String before = capture(() -> new CommandLine(new SqlCommand()).execute(root.toString(), "--format", "csv", query));
        assertEquals(13, before.strip().lines().count(), "header and 12 runs");

        String out = capture(() -> assertEquals(0, new CommandLine(new CompactCommand()).execute(root.toString(),
                "--grace-seconds", "0")));
        assertEquals("compacted 12 runs into 3 files (one per table); deleted 36 files", out.strip());
        try (Stream<Path> files = Files.list(root.resolve("metrics"))) {
            assertEquals(1, files.filter(p -> p.toString().endsWith(".parquet")).count());
        }
        assertEquals(before, capture(() -> new CommandLine(new SqlCommand()).execute(root.toString(), "--format", "csv", query)));

        String id = ids.get(0);
        List<groksweep.results.Row> all = store.readAll(groksweep.results.Tables.METRICS);
        store.write(groksweep.results.Tables.METRICS, id, all.stream().filter(r -> id.equals(r.get("run_id"))).limit(5).toList());
        store.write(groksweep.results.Tables.RUNS, id, store.readAll(groksweep.results.Tables.RUNS).stream()
                .filter(r -> id.equals(r.get("run_id"))).toList());
        String again = capture(() -> new CommandLine(new SqlCommand()).execute(root.toString(), "--format", "csv",
                "SELECT count(*) FROM metrics WHERE run_id = '" + id + "'"));
        assertEquals("count(1)\n5", again.strip());
        capture(() -> assertEquals(2, new CommandLine(new CompactCommand()).execute(dir.resolve("nothing").toString())));
    }

    /** --curves picks the configs whose learning curves are drawn; a condition that is not SQL is one line. */
    @Test
    void curvesAreDrawnForTheChosenConfigsOnly() throws Exception {
        Path chosen = dir.resolve("chosen");
        Fixture f = new Fixture(chosen.toString());
        f.onsetCases();
        f.frequencyCases();
        capture(() -> assertEquals(0, new CommandLine(new AnalyzeCommand()).execute(chosen.toString(),
                "--curves", "weight_decay = 0.5")));
        try (Stream<Path> files = Files.list(chosen.resolve("report"))) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("curves-")).count());
        }
        StringWriter err = new StringWriter();
        CommandLine cmd = Cli.oneLineErrors(new CommandLine(new AnalyzeCommand()));
        cmd.setErr(new PrintWriter(err));
        capture(() -> assertEquals(2, cmd.execute(chosen.toString(), "--curves", "no_such_column = 1")));
        assertTrue(err.toString().startsWith("error: --curves: 'no_such_column = 1' is not a condition on the runs view"),
                err.toString());
        assertEquals(1, err.toString().strip().lines().count());
    }

    /** Log axes tick once per decade, labelled as plain numbers. */
    @Test
    void logAxesTickPerDecadeWithPlainLabels() {
        var axis = Charts.decades("step");
        assertEquals(1.0, axis.getTickUnit().getSize(), "one decade");
        assertEquals("1,000", axis.getNumberFormatOverride().format(1000));
        assertEquals("0.01", axis.getNumberFormatOverride().format(0.01));
        assertEquals("0.0001", axis.getNumberFormatOverride().format(1e-4));
        assertEquals("1e-9", axis.getNumberFormatOverride().format(1e-9));
        assertEquals(9, axis.getMinorTickCount());
    }

    /** sql only reads: it answers over results it may not write to, and leaves them as they were. */
    @Test
    void sqlAnswersWithoutWritingUnderTheResults() throws Exception {
        Path legacy = Path.of("..", "core", "src", "test", "resources", "results-v0.1.0").toAbsolutePath();
        List<String> before;
        try (Stream<Path> files = Files.walk(legacy)) {
            before = files.map(p -> p + " " + p.toFile().lastModified()).sorted().toList();
        }
        String out = capture(() -> assertEquals(0, new CommandLine(new SqlCommand()).execute(legacy.toString(),
                "--format", "csv", "SELECT run_id, grokked_step FROM onsets WHERE grokked_step IS NOT NULL ORDER BY run_id")));
        assertEquals("run_id,grokked_step\n33833debf9418327,1950\n51396145c7d32511,900", out.strip());
        try (Stream<Path> files = Files.walk(legacy)) {
            assertEquals(before, files.map(p -> p + " " + p.toFile().lastModified()).sorted().toList());
        }
    }

    /**
     * views.sql, replayed statement by statement in a fresh session (as spark-sql -i does), creates
     * every view, and each holds the rows analyze found: the job views as many as their CSV, the raw
     * views as many as the files hold, read without Spark.
     */
    @Test
    void viewsSqlRecreatesEveryViewInAPlainSession() throws Exception {
        SparkSession fresh = spark.newSession();
        String text = Files.readString(dir.resolve("views.sql"));
        assertTrue(text.contains("spark-sql -i views.sql"), "the header says how to open the views: " + text.lines().limit(3).toList());
        for (String stmt : text.split(";\n")) {
            String sql = stmt.lines().filter(l -> !l.startsWith("--")).reduce("", (a, b) -> a + "\n" + b).strip();
            if (!sql.isEmpty()) {
                fresh.sql(sql);
            }
        }
        List<String> views = java.util.regex.Pattern.compile("CREATE OR REPLACE TEMPORARY VIEW (\\w+)").matcher(text)
                .results().map(m -> m.group(1)).toList();
        groksweep.results.ResultsStore store = new groksweep.results.ResultsStore(dir.toString());
        Map<String, Long> raw = Map.of("runs", (long) store.readAll(groksweep.results.Tables.RUNS).size(),
                "metrics", (long) store.readAll(groksweep.results.Tables.METRICS).size(),
                "spectra", (long) store.readAll(groksweep.results.Tables.SPECTRA).size());
        int checked = 0;
        for (String view : views) {
            long rows = fresh.sql("SELECT * FROM " + view).count();
            Path csv = dir.resolve("analysis/" + view + ".csv");
            if (raw.containsKey(view)) {
                assertEquals(raw.get(view), rows, view);
                checked++;
            } else if (Files.exists(csv)) {
                assertEquals(Files.readAllLines(csv).size() - 1, rows, view + " as in " + csv);
                checked++;
            }
        }
        assertEquals(3 + Files.list(dir.resolve("analysis")).filter(f -> f.toString().endsWith(".csv")).count(), checked,
                "every raw and job view is in views.sql: " + views);
        assertEquals(2000, fresh.sql("SELECT grokked_step FROM onsets WHERE run_id = 'last'").first().getInt(0));
    }

    @Test
    void missingOrEmptyResultsAreOneLineErrors() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new AnalyzeCommand());
        cmd.setErr(new PrintWriter(err));
        Path missing = dir.resolve("nope");
        assertEquals(2, cmd.execute(missing.toString()));
        assertEquals("error: results: '" + missing + "' does not exist; expected a results directory", err.toString().strip());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        err.getBuffer().setLength(0);
        assertEquals(2, cmd.execute(empty.toString()));
        assertTrue(err.toString().startsWith("error: results: '" + empty + "' holds no readable runs"), err.toString());
    }

    /** A truncated Parquet file is skipped with a warning naming the file and its run; the rest is analysed. */
    @Test
    void aTruncatedFileIsSkippedWithAWarningNamingFileAndRun() throws Exception {
        Path copy = dir.resolve("corrupt");
        Fixture f = new Fixture(copy.toString());
        f.onsetCases();
        Path victim = copy.resolve("metrics/fast.parquet");
        byte[] bytes = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        String out = capture(() -> assertEquals(0, new CommandLine(new AnalyzeCommand()).execute(copy.toString(), "--no-report")));
        assertTrue(out.contains("warning: skipping unreadable file:" + victim + " (run fast)"), out);
        assertEquals(4L, spark.sql("SELECT count(*) FROM onsets").first().getLong(0), "the other four runs");
    }

    static double variance(BufferedImage img) {
        double sum = 0, sq = 0;
        int n = 0;
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                int rgb = img.getRGB(x, y);
                double lum = 0.299 * (rgb >> 16 & 255) + 0.587 * (rgb >> 8 & 255) + 0.114 * (rgb & 255);
                sum += lum;
                sq += lum * lum;
                n++;
            }
        }
        return sq / n - (sum / n) * (sum / n);
    }

    static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString();
    }
}
