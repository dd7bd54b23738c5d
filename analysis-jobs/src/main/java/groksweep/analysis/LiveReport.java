package groksweep.analysis;

import groksweep.config.TrainConfig;
import groksweep.results.Compaction;
import groksweep.results.Onsets;
import groksweep.results.ResultsStore;
import groksweep.results.RunRecord;
import groksweep.results.Tables;

import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code report.html} while a sweep runs: the runs committed so far, their learning curves per
 * config, a grokked-share grid over train fraction and weight decay, and the grid summary. It is
 * drawn in the driver from the committed runs' own files, without a Spark job, so it never takes
 * a slot from training, and each run's files are read once and kept. The full report replaces
 * the page when the sweep ends.
 */
public final class LiveReport {
    /** A refresh may cost at most this share of the time between refreshes: training keeps ≥ 98%. */
    static final double BUDGET = 0.02;

    private final ResultsStore store;
    private final String name;
    private final int total;
    private final Map<String, Run> runs = new TreeMap<>(); // committed runs read so far, by id

    /** A committed run: its record, evaluated steps (step, train/test acc, train/test loss) and onsets. */
    record Run(RunRecord record, List<double[]> curve, Integer memorised, Integer grokked) {}

    /** What one refresh found and cost. */
    public record Refresh(int committed, int total, double seconds) {}

    public LiveReport(ResultsStore store, String name, int total) {
        this.store = store;
        this.name = name;
        this.total = total;
    }

    /** Reads the runs committed since the last refresh and rewrites {@code report.html}. */
    public Refresh refresh() throws IOException {
        long start = System.nanoTime();
        Compaction.Snapshot snap = Compaction.snapshot(store);
        Set<String> fresh = new TreeSet<>();
        for (Path f : snap.files(Tables.RUNS)) {
            for (groksweep.results.Row r : store.readFile(Tables.RUNS, f)) {
                String id = (String) r.get("run_id");
                if (!runs.containsKey(id) && snap.keep(f, id)) {
                    runs.put(id, new Run(RunRecord.fromRow(r), new ArrayList<>(), null, null));
                    fresh.add(id);
                }
            }
        }
        Map<String, List<double[]>> curves = new HashMap<>();
        for (Path f : snap.files(Tables.METRICS)) {
            if (Compaction.isPart(f) || fresh.contains(Compaction.runOf(f))) { // a part may hold fresh runs too
                for (groksweep.results.Row m : store.readFile(Tables.METRICS, f)) {
                    String id = (String) m.get("run_id");
                    if (fresh.contains(id) && snap.keep(f, id)) {
                        curves.computeIfAbsent(id, k -> new ArrayList<>()).add(new double[] {m.getInt("step"),
                                m.getDouble("train_acc"), m.getDouble("test_acc"), m.getDouble("train_loss"),
                                m.getDouble("test_loss")});
                    }
                }
            }
        }
        for (String id : fresh) {
            List<double[]> curve = curves.getOrDefault(id, List.of());
            Onsets onsets = new Onsets(Onsets.Thresholds.defaults());
            curve.forEach(m -> onsets.observe((int) m[0], m[1], m[2]));
            runs.put(id, new Run(runs.get(id).record(), curve, onsets.memorised(), onsets.grokked()));
        }
        store.writeBytes("report.html", html().getBytes(StandardCharsets.UTF_8));
        return new Refresh(runs.size(), total, (System.nanoTime() - start) / 1e9);
    }

    /** A live report refreshing on its own thread until {@link #close}d. */
    public record Running(Thread thread, CountDownLatch stop) implements AutoCloseable {
        /**
         * Stops the refreshes and waits for the one under way, if any, to finish its write: the
         * thread is never interrupted mid-write (the HDFS client may swallow an interrupt, and the
         * thread would then sleep on), and no temporary file of the report is left behind.
         */
        @Override
        public void close() throws InterruptedException {
            stop.countDown();
            thread.join();
        }
    }

    /**
     * Refreshes every {@code interval} while runs commit, on a daemon thread, until closed.
     * After a refresh that took c seconds the next waits at least c / {@link #BUDGET}.
     */
    public static Running every(ResultsStore store, String name, int total, Duration interval, Consumer<String> log) {
        LiveReport live = new LiveReport(store, name, total);
        CountDownLatch stop = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            int shown = 0;
            double wait = interval.toMillis() / 1e3;
            try {
                while (!stop.await((long) (wait * 1e3), TimeUnit.MILLISECONDS)) {
                    try {
                        if (store.runIds(Tables.RUNS).size() > shown) {
                            Refresh r = live.refresh();
                            shown = r.committed();
                            wait = Math.max(interval.toMillis() / 1e3, r.seconds() / BUDGET);
                            log.accept(String.format("live report: %d of %d runs (%.2f s) -> %s", r.committed(), r.total(),
                                    r.seconds(), new Path(store.root(), "report.html")));
                        }
                    } catch (IOException | RuntimeException e) { // a report is never worth a failed sweep
                        log.accept("live report skipped: " + e.getMessage());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "groksweep-live-report");
        t.setDaemon(true);
        t.start();
        return new Running(t, stop);
    }

    /** The options that differ between the committed runs, seeds aside: what names a config. */
    private List<String> varying() {
        Map<String, Set<Object>> values = new TreeMap<>();
        for (Run r : runs.values()) {
            r.record().config().toMap().forEach((k, v) -> values.computeIfAbsent(k, x -> new TreeSet<>(
                    (a, b) -> String.valueOf(a).compareTo(String.valueOf(b)))).add(v));
        }
        List<String> out = new ArrayList<>();
        values.forEach((k, v) -> {
            if (v.size() > 1 && !List.of("seed", "data_seed", "init_seed").contains(k)) {
                out.add(k);
            }
        });
        return out;
    }

    private String html() throws IOException {
        List<String> keys = varying();
        Map<String, List<Run>> configs = new TreeMap<>();
        for (Run r : runs.values()) {
            Map<String, Object> options = r.record().config().toMap();
            List<String> parts = new ArrayList<>();
            keys.forEach(k -> parts.add(k + " = " + options.get(k)));
            configs.computeIfAbsent(parts.isEmpty() ? "all runs" : String.join(", ", parts), k -> new ArrayList<>()).add(r);
        }
        StringBuilder h = new StringBuilder("<!doctype html>\n<html><head><meta charset='utf-8'>"
                + "<meta http-equiv='refresh' content='30'><title>groksweep " + Html.escape(name) + " (live)</title></head><body>\n");
        h.append("<h1>").append(Html.escape(name)).append(": ").append(runs.size()).append(" of ").append(total)
                .append(" runs committed</h1>\n<p>Live report, refreshed at ")
                .append(LocalTime.now().truncatedTo(ChronoUnit.SECONDS))
                .append(" from the committed runs' files. The full report replaces this page when the sweep ends.</p>\n");
        h.append("<h2>Grid summary so far</h2>\n<table border='1' cellpadding='4'><tr><th>config</th><th>runs</th>"
                + "<th>not ok</th><th>grokked</th><th>median grokking step</th></tr>\n");
        configs.forEach((label, rs) -> {
            List<Integer> steps = rs.stream().map(Run::grokked).filter(java.util.Objects::nonNull).sorted().toList();
            long notOk = rs.stream().filter(r -> r.record().status() != groksweep.results.RunStatus.OK).count();
            h.append("<tr><td>").append(Html.escape(label)).append("</td><td>").append(rs.size()).append("</td><td>")
                    .append(notOk).append("</td><td>").append(steps.size()).append("</td><td>")
                    .append(steps.isEmpty() ? "" : median(steps)).append("</td></tr>\n");
        });
        h.append("</table>\n");
        h.append(grokGrid());
        h.append("<h2>Learning curves</h2>\n");
        int drawn = 0;
        for (Map.Entry<String, List<Run>> e : configs.entrySet()) {
            if (drawn++ == Report.MAX_CONFIGS) {
                break;
            }
            h.append(image("live-curves-" + drawn + ".png", e.getKey(), e.getValue()));
        }
        return h.append("</body></html>\n").toString();
    }

    /** The median of sorted {@code steps}, the mean of the middle two for an even count, as Spark's {@code median}. */
    static String median(List<Integer> steps) {
        int n = steps.size();
        double m = n % 2 == 1 ? steps.get(n / 2) : (steps.get(n / 2 - 1) + steps.get(n / 2)) / 2.0;
        return m == Math.rint(m) ? String.valueOf((long) m) : String.valueOf(m);
    }

    /** Share of committed runs grokked, per (train fraction, weight decay): the phase diagram filling in. */
    private String grokGrid() {
        TreeSet<Double> fractions = new TreeSet<>();
        TreeSet<Double> decays = new TreeSet<>();
        Map<String, int[]> cells = new HashMap<>(); // "f,wd" → {grokked, runs}
        for (Run r : runs.values()) {
            TrainConfig c = r.record().config();
            fractions.add(c.trainFraction());
            decays.add(c.weightDecay());
            int[] cell = cells.computeIfAbsent(c.trainFraction() + "," + c.weightDecay(), k -> new int[2]);
            cell[0] += r.grokked() == null ? 0 : 1;
            cell[1]++;
        }
        StringBuilder h = new StringBuilder("<h2>Grokked so far, by train fraction and weight decay</h2>\n"
                + "<table border='1' cellpadding='4'><tr><th>train fraction \\ weight decay</th>");
        decays.forEach(wd -> h.append("<th>").append(wd).append("</th>"));
        h.append("</tr>\n");
        for (double f : fractions.descendingSet()) {
            h.append("<tr><th>").append(f).append("</th>");
            for (double wd : decays) {
                int[] cell = cells.get(f + "," + wd);
                if (cell == null) {
                    h.append("<td></td>");
                } else {
                    int shade = 255 - (int) (155.0 * cell[0] / cell[1]);
                    h.append(String.format("<td style='background:rgb(%d,255,%d)'>%d/%d</td>", shade, shade, cell[0], cell[1]));
                }
            }
            h.append("</tr>\n");
        }
        return h.append("</table>\n").toString();
    }

    /** The config's learning curves, drawn with the full report's chart from the runs read here. */
    private String image(String file, String label, List<Run> rs) throws IOException {
        List<Charts.RunOnsets> shown = new ArrayList<>();
        Map<String, List<Charts.Point>> curves = new HashMap<>();
        for (Run r : rs.subList(0, Math.min(rs.size(), Report.MAX_SEEDS))) {
            String id = r.record().runId();
            shown.add(new Charts.RunOnsets(id, r.memorised(), r.grokked()));
            List<Charts.Point> points = new ArrayList<>();
            for (double[] m : r.curve()) {
                if (m[0] > 0) { // a log axis
                    points.add(new Charts.Point((int) m[0], m[1], m[2], m[3], m[4], Double.NaN)); // no norm plot here
                }
            }
            curves.put(id, points);
        }
        return Html.img(store, file, label, Charts.learningCurves(label, shown, curves));
    }
}
