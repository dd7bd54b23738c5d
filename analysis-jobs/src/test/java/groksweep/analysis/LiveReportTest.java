package groksweep.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.results.Onsets;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.SyntheticResults;
import groksweep.results.Tables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

class LiveReportTest {
    @TempDir Path dir;

    /**
     * The live page counts the committed runs, sums the grokked share grid to them, agrees with the
     * onsets of the runs' own metrics, and fills in as more runs commit.
     */
    /** As Spark's median: the middle value, or the mean of the middle two (1,550 for 980 and 2,120). */
    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals("1550", LiveReport.median(java.util.List.of(980, 2120)));
        assertEquals("600", LiveReport.median(java.util.List.of(100, 600, 900)));
        assertEquals("605", LiveReport.median(java.util.List.of(600, 610)));
        assertEquals("602.5", LiveReport.median(java.util.List.of(600, 605)));
    }

    @Test
    void theLivePageFillsInAsRunsCommit() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        SyntheticResults.write(store, 12, 2);
        LiveReport live = new LiveReport(store, "synthetic", 40);

        LiveReport.Refresh first = live.refresh();
        assertEquals(12, first.committed());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("synthetic: 12 of 40 runs committed"), html);
        assertEquals(12, cellSum(html, 1));
        assertEquals(grokked(store), cellSum(html, 0), "grokked runs, as their metrics say");

        SyntheticResults.write(store, 30, 2); // 18 more commit
        assertEquals(30, live.refresh().committed());
        html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("synthetic: 30 of 40 runs committed"));
        assertEquals(30, cellSum(html, 1));
        assertEquals(grokked(store), cellSum(html, 0));
        List<Path> pngs;
        try (Stream<Path> files = Files.list(dir.resolve("report"))) {
            pngs = files.filter(p -> p.getFileName().toString().startsWith("live-curves-")).toList();
        }
        assertEquals(Math.min(Report.MAX_CONFIGS, 30), pngs.size(), "one picture per config (seeds overlaid)");
        assertEquals(Charts.WIDTH, ImageIO.read(pngs.get(0).toFile()).getWidth());
    }

    /** Σ over the grid's "g/n" cells of g (part 0) or n (part 1). */
    private static int cellSum(String html, int part) {
        Matcher m = Pattern.compile(">(\\d+)/(\\d+)</td>").matcher(html);
        int sum = 0;
        while (m.find()) {
            sum += Integer.parseInt(m.group(part + 1));
        }
        return sum;
    }

    private static int grokked(ResultsStore store) throws Exception {
        int n = 0;
        for (String id : store.runIds(Tables.RUNS)) {
            Onsets o = new Onsets(Onsets.Thresholds.defaults());
            for (Row m : store.read(Tables.METRICS, id)) {
                o.observe(m.getInt("step"), m.getDouble("train_acc"), m.getDouble("test_acc"));
            }
            n += o.grokked() == null ? 0 : 1;
        }
        return n;
    }
}
