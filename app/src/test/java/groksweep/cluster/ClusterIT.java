package groksweep.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.Tables;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sweeps submitted with spark-submit to a real standalone cluster (separate JVMs for master,
 * workers, driver and executors), with executors and the driver killed mid-sweep. The six runs
 * train as two packs of three (1,200 steps each, float64, about 20 s a pack on one core), so a
 * kill stops a packed task mid-way.
 * The workers are separate nodes: each sees its own empty disk at {@link StandaloneCluster#nodeDisk}
 * (outputs elsewhere are shared, as on a network mount), so an output there is refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    @TempDir static Path dir;
    static StandaloneCluster cluster;
    static Map<String, List<Row>> reference; // metrics of the uninterrupted sweep, by run

    @BeforeAll
    static void start() throws Exception {
        cluster = new StandaloneCluster(dir);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static Path spec(String name) throws Exception {
        return spec(name, dir.resolve(name), 1200);
    }

    /** The six runs of {@code steps} steps each, to {@code out}. */
    static Path spec(String name, Path out, int steps) throws Exception {
        return Files.writeString(dir.resolve(name + ".yaml"), sixRuns(name, out.toString(), steps));
    }

    /** A spec of six runs of {@code steps} steps in packs of three, checkpointed: a kill stops a pack mid-way and it resumes. */
    static String sixRuns(String name, String output, int steps) {
        return """
                name: %s
                output: %s
                grid:
                  seed: [0, 1, 2, 3, 4, 5]
                trainer:
                  modulus: 23
                  train_fraction: 0.5
                  steps: %d
                  eval_every: 20
                  analysis_every: 100
                  d_model: 64
                  d_mlp: 128
                  dtype: float64
                checkpoint_every: 100
                threads_per_run: 1
                pack_size: 3
                """.formatted(name, output, steps);
    }

    static int run(String name, Process p) throws Exception {
        if (!p.waitFor(5, TimeUnit.MINUTES)) { // the test's directory goes with it, so its logs go in the message
            p.destroyForcibly(); // its app would hold the workers' cores and starve the tests after it
            StringBuilder executors = new StringBuilder();
            try (var files = Files.walk(cluster.work)) { // the executors' stderr, newest last
                for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr"))
                        .sorted(java.util.Comparator.comparingLong(f -> f.toFile().lastModified())).toList()) {
                    executors.append("\n--- ").append(cluster.work.relativize(f)).append(":\n").append(tail(f, 15));
                }
            }
            fail("driver " + name + " did not finish in 5 minutes; the end of its log:\n" + tail(cluster.log(name), 60)
                    + "\nthe executors' logs:" + executors);
        }
        return p.exitValue();
    }

    static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.exists(log) ? Files.readAllLines(log) : List.of("(no " + log.getFileName() + ")");
        String tail = String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        Matcher trace = Pattern.compile("\\(full trace: (/[^)]+)\\)").matcher(tail);
        return trace.find() ? tail + "\n" + lastTrace(Path.of(trace.group(1)), lines) : tail;
    }

    /** The last ERROR entry of a driver's log file and the lines of its trace, at most {@code lines}. */
    static String lastTrace(Path file, int lines) throws IOException {
        if (!Files.exists(file)) {
            return "(no " + file + ")";
        }
        List<String> all = Files.readAllLines(file);
        int last = all.size() - 1;
        while (last > 0 && !all.get(last).contains(" ERROR ")) {
            last--;
        }
        return "the last error in " + file + ":\n" + String.join("\n", all.subList(last, Math.min(all.size(), last + lines)));
    }

    static void awaitFirstCommit(ResultsStore store, Process driver) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (store.runIds(Tables.RUNS).isEmpty()) {
            assertTrue(driver.isAlive() && System.nanoTime() < deadline, "a run commits while the sweep runs");
            Thread.sleep(200);
        }
    }

    static void assertEveryRunOnceAndClean(Path out) throws Exception {
        ResultsStore store = new ResultsStore(out.toString());
        Set<String> runs = store.runIds(Tables.RUNS);
        assertEquals(6, runs.size());
        for (String id : runs) {
            assertEquals(1, store.read(Tables.RUNS, id).size());
            List<Row> metrics = store.read(Tables.METRICS, id);
            int steps = store.read(Tables.RUNS, id).get(0).getInt("steps");
            assertEquals(steps / 20 + 1, metrics.size(), "each step once for " + id);
            assertEquals("ok", store.read(Tables.RUNS, id).get(0).getString("status"));
        }
        try (var files = Files.walk(out)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("_tmp-")).toList(),
                    "no temporary or partial files remain");
        }
        assertFalse(Files.exists(out.resolve("checkpoints")) && Files.list(out.resolve("checkpoints"))
                .anyMatch(f -> f.toString().endsWith(".npz")), "checkpoints removed once runs commit");
    }

    /** The files under {@code dir}, each with its first line, for a failure's message. */
    static String listing(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.map(f -> dir.relativize(f) + (Files.isRegularFile(f) ? " (" + firstLine(f) + ")" : "")).toList()
                    .toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String firstLine(Path f) {
        try {
            return Files.readAllLines(f).stream().findFirst().orElse("");
        } catch (IOException | RuntimeException e) {
            return "unreadable";
        }
    }

    static Map<String, List<Row>> metrics(Path out) throws Exception {
        ResultsStore store = new ResultsStore(out.toString());
        Map<String, List<Row>> m = new HashMap<>();
        for (String id : store.runIds(Tables.RUNS)) {
            m.put(id, store.read(Tables.METRICS, id));
        }
        return m;
    }

    /**
     * Every column of every row equal, numbers to 1e-9 relative: a run resumed after a kill may
     * finish in a pack of other runs than before (its packmates committed, or checkpointed at
     * another step), and a batched product over another number of runs rounds differently in the
     * last bits. Alone, or in the same pack, a resumed run is bit-identical (CheckpointTest,
     * PackedWorkerTest).
     */
    static void assertSameMetrics(Map<String, List<Row>> expected, Map<String, List<Row>> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "same run_ids");
        for (String id : expected.keySet()) {
            List<Row> e = expected.get(id);
            List<Row> a = actual.get(id);
            assertEquals(e.size(), a.size(), id);
            for (int i = 0; i < e.size(); i++) {
                for (var column : Tables.METRICS.columns()) {
                    Object x = e.get(i).get(column.name()), y = a.get(i).get(column.name());
                    String at = id + " row " + i + " " + column.name();
                    if (x instanceof Double dx && y instanceof Double dy) {
                        assertEquals(dx, dy, 1e-9 * Math.max(1e-12, Math.abs(dx)), at);
                    } else if (x instanceof int[] ix && y instanceof int[] iy) {
                        assertArrayEquals(ix, iy, at); // key frequencies by value
                    } else {
                        assertEquals(x, y, at);
                    }
                }
            }
        }
    }

    /**
     * The spark-submit jar in local mode, as on one machine with Spark installed: the six runs,
     * uninterrupted, each once; their metrics are the reference the cluster's sweeps are held to.
     */
    @Test
    @Order(1)
    void theSubmitJarRunsInLocalModeAndGivesTheUninterruptedReference() throws Exception {
        Process driver = cluster.submitTo("local[2]", "plain", "sweep", spec("plain").toString(), "--no-analysis");
        assertEquals(0, run("plain", driver));
        assertEveryRunOnceAndClean(dir.resolve("plain"));
        reference = metrics(dir.resolve("plain"));
    }

    /** One attempt's marker under {@code _attempts/<run>/}, as the test reads it. */
    record Marker(String run, String executor, boolean alone, int seen) {}

    /** The markers of {@code runs}' attempts under {@code out}: the attempts training, and those lost. */
    static List<Marker> markers(Path out, List<String> runs) throws IOException {
        List<Marker> found = new ArrayList<>();
        for (String run : runs) {
            Path dir = out.resolve("_attempts").resolve(run);
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().startsWith("_tmp-")).toList()) {
                    Map<String, String> kv = new HashMap<>();
                    try {
                        Files.readAllLines(f).forEach(l -> kv.put(l.substring(0, Math.max(0, l.indexOf('='))), l.substring(l.indexOf('=') + 1)));
                    } catch (IOException e) {
                        continue; // replaced as we read
                    }
                    if (kv.containsKey("seen") && kv.containsKey("executor")) {
                        found.add(new Marker(run, kv.get("executor"), f.getFileName().toString().contains("-alone-"),
                                Integer.parseInt(kv.get("seen"))));
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // no attempt yet, or committed
            }
        }
        return found;
    }

    /** Waits (3 minutes at most, while the driver lives) for a marker of {@code runs} that {@code matches}. */
    static Marker awaitMarker(Path out, List<String> runs, java.util.function.Predicate<Marker> matches, Process driver,
            String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            for (Marker m : markers(out, runs)) {
                if (matches.test(m)) {
                    return m;
                }
            }
            assertTrue(driver.isAlive() && System.nanoTime() < deadline, what + "; markers: " + markers(out, runs));
            Thread.sleep(50);
        }
    }

    /**
     * Preemption, arranged: the executor training one pack is killed at about step 200, then again
     * some 400 steps further on (the pack resumed from its checkpoint), and, once the pack is split,
     * again as its first run resumes alone: that run has lost three executors, one alone, at three
     * steps, which the rule of the crashing-run work (two lost attempts, one alone) condemned. The
     * other pack's executor is killed once, and the driver once, after those kills. The rerun ends
     * with every run ok, once, with the uninterrupted sweep's metrics, none condemned.
     */
    @Test
    @Order(2)
    void executorsLostToTheClusterCondemnNoRunAndEveryRunEndsAsUninterrupted() throws Exception {
        Path out = dir.resolve("preempted");
        Path spec = spec("preempted");
        List<String> runs = groksweep.sweep.Grid.expand(groksweep.sweep.SweepSpec.parse(Files.readString(spec))).stream()
                .map(groksweep.config.TrainConfig::runId).toList();
        List<String> packA = runs.subList(0, 3); // packs of three, in the plan's order
        List<String> packB = runs.subList(3, 6);
        Process driver = cluster.submit("preempted-1", "sweep", spec.toString(), "--no-analysis");

        Marker first = awaitMarker(out, packA, m -> m.seen() >= 200, driver, "pack A reaches step 200");
        List<ProcessHandle> executors = cluster.executors();
        assertFalse(executors.isEmpty(), "executor JVMs are running");
        for (ProcessHandle e : executors) {
            assertTrue(e.pid() != driver.pid() && e.pid() != ProcessHandle.current().pid(), "executor in its own JVM");
        }
        assertTrue(cluster.killExecutor(first.executor()), "kill 1: " + first);
        Marker other = awaitMarker(out, packB, m -> m.seen() >= 600, driver, "pack B reaches step 600");
        assertTrue(cluster.killExecutor(other.executor()), "kill 2: " + other);
        Marker second = awaitMarker(out, packA, m -> !m.executor().equals(first.executor()) && !m.alone()
                && m.seen() >= first.seen() + 400, driver, "pack A resumes and gets 400 steps further");
        assertTrue(cluster.killExecutor(second.executor()), "kill 3: " + second);
        Marker third = awaitMarker(out, packA, Marker::alone, driver, "pack A's first run resumes alone");
        assertTrue(cluster.killExecutor(third.executor()), "kill 4: " + third);
        awaitMarker(out, List.of(third.run()), m -> m.alone() && !m.executor().equals(third.executor()), driver,
                third.run() + " trains again, not condemned");
        driver.destroyForcibly(); // SIGKILL
        driver.waitFor();
        Thread.sleep(3000); // the master notices and removes the app's executors
        ResultsStore store = new ResultsStore(out.toString());
        int committed = store.runIds(Tables.RUNS).size();

        Process again = cluster.submit("preempted-2", "sweep", spec.toString(), "--no-analysis");
        assertEquals(0, run("preempted-2", again));
        String log = Files.readString(cluster.log("preempted-2"));
        Matcher m = Pattern.compile("(\\d+) runs trained .*, (\\d+) already committed").matcher(log);
        assertTrue(m.find(), "summary line in " + cluster.log("preempted-2"));
        assertEquals(6 - committed, Integer.parseInt(m.group(1)), "only the unfinished runs are trained");
        assertEveryRunOnceAndClean(out);
        assertSameMetrics(reference, metrics(out));
        assertFalse(Files.exists(out.resolve("_attempts")), () -> "no attempt marker and no record of a lost executor left: "
                + listing(out.resolve("_attempts")));
    }

    /**
     * One run halts its executor's JVM every time it trains ({@link HaltAt}, as a native
     * crash or the kernel's OOM killer would): its pack is retried, then trained one run at a time,
     * and the run is recorded as failed with why, while its packmates and the other pack commit ok,
     * each once.
     */
    @Test
    @Order(7)
    void aRunThatKillsItsExecutorFailsAloneAndTheSweepGoesOn() throws Exception {
        Path out = dir.resolve("poisoned");
        Path spec = spec("poisoned", out, 300);
        String victim = groksweep.sweep.Grid.expand(groksweep.sweep.SweepSpec.parse(Files.readString(spec))).get(1).runId();
        Process driver = cluster.submitWith(List.of("spark.executorEnv.GROKSWEEP_FAULT_HALT=" + victim + "@100",
                "spark.groksweep.stepHook=" + HaltAt.class.getName(),
                "spark.executor.extraClassPath=" + Path.of(HaltAt.class.getProtectionDomain().getCodeSource().getLocation().toURI())),
                "poisoned", "sweep", spec.toString(), "--no-analysis");
        assertEquals(0, run("poisoned", driver));
        ResultsStore store = new ResultsStore(out.toString());
        Set<String> runs = store.runIds(Tables.RUNS);
        assertEquals(6, runs.size());
        for (String id : runs) {
            List<Row> record = store.read(Tables.RUNS, id);
            assertEquals(1, record.size());
            if (id.equals(victim)) {
                assertEquals("failed", record.get(0).getString("status"));
                String message = record.get(0).getString("message");
                assertTrue(message.matches("lost its executor on 3 attempts at about the same step, last seen at step \\d+ on"
                        + " executor \\d+ .*: it crashes there \\(a native crash, or out of memory\\); its executors' logs have"
                        + " the trace"), message);
                assertTrue(message.contains(" (alone)"), "one of them alone: " + message);
            } else {
                assertEquals("ok", record.get(0).getString("status"), id);
                int steps = record.get(0).getInt("steps");
                assertEquals(steps / 20 + 1, store.read(Tables.METRICS, id).size(), "each step once for " + id);
            }
        }
        assertFalse(Files.exists(out.resolve("_attempts")), "no attempt marker left");
        assertTrue(Files.readString(cluster.log("poisoned")).matches("(?s).*sweep done in \\S+: \\d runs trained \\{failed=1,.*"),
                "the summary counts it; see " + cluster.log("poisoned"));
    }

    /**
     * A search's driver SIGKILLed once four of its runs have committed: the rerun resumes the
     * search from the committed runs, trains none of them again (their files are untouched), and
     * ends with the boundaries.
     */
    @Test
    @Order(8)
    void aSearchWhoseDriverIsKilledResumesWithoutTrainingARunTwice() throws Exception {
        Path out = dir.resolve("search");
        Path spec = Files.writeString(dir.resolve("search.yaml"), """
                name: search
                output: %s
                grid:
                  seed: [0, 1]
                trainer:
                  modulus: 11
                  steps: 60
                  eval_every: 10
                  analysis_every: 0
                  d_mlp: 64
                search:
                  axis: train_fraction
                  range: [0.2, 0.8]
                  resolution: 0.05
                  outcome: memorised
                threads_per_run: 1
                """.formatted(out));
        Process driver = cluster.submit("search-1", "sweep", spec.toString(), "--no-analysis");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (Files.readString(cluster.log("search-1")).lines().filter(l -> l.startsWith("[search search] run ")).count() < 4) {
            assertTrue(driver.isAlive() && System.nanoTime() < deadline, "4 runs commit; see " + cluster.log("search-1"));
            Thread.sleep(100);
        }
        driver.destroyForcibly(); // SIGKILL, with runs in flight
        driver.waitFor();
        Thread.sleep(3000); // the master notices and removes the app's executors
        ResultsStore store = new ResultsStore(out.toString());
        Map<String, Long> before = new HashMap<>();
        for (String id : store.runIds(Tables.RUNS)) {
            before.put(id, Files.getLastModifiedTime(out.resolve("runs").resolve(id + ".parquet")).toMillis());
        }
        assertTrue(before.size() >= 4, before.size() + " runs committed before the kill");

        Process again = cluster.submit("search-2", "sweep", spec.toString(), "--no-analysis");
        assertEquals(0, run("search-2", again));
        String log = Files.readString(cluster.log("search-2"));
        Matcher m = Pattern.compile("search done in \\S+: (\\d+) runs trained \\{ok=\\d+}; (\\d+) runs used in all")
                .matcher(log);
        assertTrue(m.find(), "summary line in " + cluster.log("search-2"));
        int total = store.runIds(Tables.RUNS).size();
        assertEquals(total - before.size(), Integer.parseInt(m.group(1)), "only runs not yet committed are trained");
        assertEquals(total, Integer.parseInt(m.group(2)));
        for (Map.Entry<String, Long> e : before.entrySet()) {
            assertEquals(e.getValue(), Files.getLastModifiedTime(out.resolve("runs").resolve(e.getKey() + ".parquet")).toMillis(),
                    e.getKey() + " was committed before the kill and written again");
        }
        for (String id : store.runIds(Tables.RUNS)) {
            assertEquals(List.of("ok"), store.read(Tables.RUNS, id).stream().map(r -> r.getString("status")).toList());
            assertEquals(60 / 10 + 1, store.read(Tables.METRICS, id).size(), "each step once for " + id);
        }
        List<Row> boundaries = new ArrayList<>();
        try (var files = Files.list(out.resolve("boundaries"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
                boundaries.addAll(store.readFile(Tables.BOUNDARIES, new org.apache.hadoop.fs.Path(f.toUri())));
            }
        }
        assertEquals(2, boundaries.size(), "one boundary per seed");
        for (Row b : boundaries) {
            assertEquals("resolved", b.getString("status"), b.toString());
            assertEquals(0.05, b.getDouble("upper") - b.getDouble("lower"), 1e-12, "one resolution step wide");
        }
    }

    /** The lines of a driver's log that start with "error: ", as a user sees them on the terminal. */
    static List<String> errors(String name) throws Exception {
        return Files.readAllLines(cluster.log(name)).stream().filter(l -> l.startsWith("error: ")).toList();
    }

    static void assumeSeparateNodes() {
        assumeTrue(cluster.isolated, "skipped: mount namespaces (unshare --mount, as root) are not available here,"
                + " so the workers cannot be given disks of their own");
    }

    /**
     * A local output on a cluster whose nodes do not share a disk: every executor refuses before it
     * trains, and the sweep ends with one line and exit 2. The driver's directory holds the resolved
     * spec and nothing else (no run, no token); each node's own disk stays empty.
     */
    @Test
    @Order(0)
    void anOutputOnEachNodesOwnDiskIsRefusedBeforeAnyRunTrains() throws Exception {
        assumeSeparateNodes();
        Path out = cluster.nodeDisk.resolve("own-disks");
        Process driver = cluster.submit("own-disks", "sweep", spec("own-disks", out, 300).toString(), "--no-analysis");
        assertEquals(2, run("own-disks", driver));
        List<String> errors = errors("own-disks");
        assertEquals(1, errors.size(), "one line: " + errors);
        String line = errors.get(0);
        assertTrue(line.startsWith("error: output: '" + out + "' is not the same location on executor "), line);
        assertTrue(line.contains(" (host 127.0.0.1) as on the driver (it cannot see the file _output-token-"), line);
        assertTrue(line.endsWith("HDFS (hdfs://...), S3 (s3a://...), or a network mount at the same path on every node;"
                + " no run was trained"), line);
        try (var files = Files.walk(out)) {
            assertEquals(List.of(out.resolve("sweeps")), files.filter(f -> f.getParent().equals(out)).toList(),
                    "the driver's output holds the resolved spec only");
        }
        for (int i = 1; i <= 2; i++) {
            assertEquals(List.of(), cluster.seenByWorker(i, cluster.nodeDisk), "worker " + i + "'s own disk stays empty");
        }
    }

    /** analyze under spark-submit reads and writes on executors: results on the driver's disk alone are refused too. */
    @Test
    @Order(6)
    void analysingResultsOnTheDriversDiskAloneIsRefused() throws Exception {
        assumeSeparateNodes();
        Path copy = cluster.nodeDisk.resolve("plain-copy");
        try (var files = Files.walk(dir.resolve("plain"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(dir.resolve("plain").relativize(f).toString()));
            }
        }
        String jar = System.getProperty("groksweep.sparkJar").replace("groksweep-spark.jar", "groksweep-analysis.jar");
        Process analysis = cluster.submitJar(cluster.masterUrl, "analyze-own-disks", jar, "groksweep.cli.AnalysisMain",
                "analyze", copy.toString(), "--no-report");
        assertEquals(2, run("analyze-own-disks", analysis));
        List<String> errors = errors("analyze-own-disks");
        assertEquals(1, errors.size(), "one line: " + errors);
        assertTrue(errors.get(0).startsWith("error: results: '" + copy + "' is not the same location on executor "),
                errors.get(0));
        assertTrue(errors.get(0).endsWith("; nothing was analysed"), errors.get(0));
        assertFalse(Files.exists(copy.resolve("analysis")), "nothing written");
    }
}
