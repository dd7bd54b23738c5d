package groksweep.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.Tables;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sweeps submitted to YARN with docs/CLUSTER.md's own submit lines, read from the document, with
 * only the addresses, the paths and the executors' count and size changed: a ResourceManager and
 * two NodeManagers in this JVM ({@link YarnCluster}), every container a process of its own, the
 * output on HDFS. Client mode loses an executor's container mid-sweep and still trains every run
 * once, then {@code analyze} (the analysis jar, without libtorch; report included) and {@code sql} answer under
 * YARN; cluster mode runs the driver in a
 * container, and each side's log is where YARN keeps container logs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnIT {
    static final Path ROOT = Path.of(System.getProperty("groksweep.conf")).getParent();
    @TempDir static Path dir;
    static YarnCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        try {
            cluster = new YarnCluster(dir);
        } catch (Exception e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof BindException || cause instanceof UnknownHostException)) {
                cause = cause.getCause();
            }
            assumeTrue(!(cause instanceof BindException || cause instanceof UnknownHostException),
                    "skipped: the YARN minicluster cannot start here: " + cause);
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** {@link ClusterIT#sixRuns}: a kill stops a pack mid-way and it resumes. */
    static Path spec(String name, int steps) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), ClusterIT.sixRuns(name, "results/" + name, steps));
    }

    /**
     * The submit line of docs/CLUSTER.md's YARN section for {@code mode} (client or cluster), as
     * arguments after {@code spark-submit --master yarn}: the output, the spec and the files from
     * this checkout, two executors of one core and 1 GB (the minicluster's nodes are small), and
     * Spark's jars from the nodes' disks ({@code spark.yarn.jars}) rather than uploaded.
     */
    static List<String> submitLine(String mode, Path spec, String output) throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/CLUSTER.md"));
        Matcher m = Pattern.compile("```\n(spark-submit --master yarn --deploy-mode " + mode + " .*?)\n```", Pattern.DOTALL)
                .matcher(doc);
        assertTrue(m.find(), "docs/CLUSTER.md has a YARN submit line in " + mode + " mode");
        List<String> args = new ArrayList<>();
        for (String token : words(m.group(1).replace("\\\n", " "))) {
            args.add(token.replace("hdfs:///user/$USER/groksweep/nanda2023", output)
                    .replace("conf/sweeps/nanda2023.yaml", spec.toString())
                    .replace("nanda2023.yaml", spec.getFileName().toString())
                    .replace("conf/log4j2.xml", ROOT.resolve("conf/log4j2.xml").toString())
                    .replace("app/target/groksweep-spark.jar", System.getProperty("groksweep.sparkJar")));
        }
        assertEquals(List.of("spark-submit", "--master", "yarn"), args.subList(0, 3));
        args = new ArrayList<>(args.subList(3, args.size()));
        set(args, "--num-executors", "2");
        set(args, "--executor-cores", "1");
        set(args, "--executor-memory", "1g");
        args.addAll(0, List.of("--conf", "spark.yarn.jars=" + cluster.sparkJars()));
        return args;
    }

    /** Shell words: split on blanks, double quotes keep theirs. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
        StringBuilder word = new StringBuilder();
        int end = -1;
        while (m.find()) {
            if (m.start() != end && word.length() > 0) {
                out.add(word.toString());
                word.setLength(0);
            }
            word.append(m.group(1) != null ? m.group(1) : m.group(2));
            end = m.end();
        }
        if (word.length() > 0) {
            out.add(word.toString());
        }
        return out;
    }

    private static void set(List<String> args, String option, String value) {
        int i = args.indexOf(option);
        assertTrue(i >= 0, "the submit line sets " + option);
        args.set(i + 1, value);
    }

    static int run(String name, Process p) throws Exception {
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not finish in 5 minutes; the end of its log:\n"
                    + ClusterIT.tail(cluster.log(name), 60));
        }
        return p.exitValue();
    }

    /** Each of the six runs committed once, ok, with every evaluated step once, and no attempt marker left. */
    static void assertEveryRunOnce(ResultsStore store, int steps) throws IOException {
        Set<String> runs = store.runIds(Tables.RUNS);
        assertEquals(6, runs.size(), "six runs committed");
        for (String id : runs) {
            List<Row> run = store.read(Tables.RUNS, id);
            assertEquals(1, run.size());
            assertEquals("ok", run.get(0).getString("status"), id);
            assertEquals(steps / 20 + 1, store.read(Tables.METRICS, id).size(), "each step once for " + id);
        }
        assertFalse(store.exists("_attempts"), "no attempt marker left");
    }

    /** The executor id of an attempt's marker under the output that has reached {@code step}, or null. */
    static String trainingAt(ResultsStore store, int step) throws IOException {
        FileSystem fs = store.fileSystem();
        org.apache.hadoop.fs.Path attempts = new org.apache.hadoop.fs.Path(store.root(), "_attempts");
        if (!fs.exists(attempts)) {
            return null;
        }
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(attempts, true);
        while (files.hasNext()) {
            LocatedFileStatus f = files.next();
            if (f.getPath().getName().startsWith("_tmp-")) {
                continue;
            }
            String text;
            try (var in = fs.open(f.getPath())) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                continue; // replaced as we read
            }
            Matcher seen = Pattern.compile("(?m)^seen=(\\d+)$").matcher(text);
            Matcher executor = Pattern.compile("(?m)^executor=(\\S+)$").matcher(text);
            if (seen.find() && executor.find() && Integer.parseInt(seen.group(1)) >= step) {
                return executor.group(1);
            }
        }
        return null;
    }

    /**
     * Client mode: the driver is spark-submit's JVM, the executors YARN containers. One executor's
     * container is SIGKILLed while its pack trains (as preemption or the node's OOM killer would);
     * YARN starts another, and the sweep ends with every run once. Then {@code analyze} and
     * {@code sql} run under YARN over the HDFS output.
     */
    @Test
    @Order(1)
    void aSweepInClientModeLosesAContainerAndStillTrainsEveryRunOnceThenAnalysesUnderYarn() throws Exception {
        String out = cluster.fs + "/groksweep/client";
        Process driver = cluster.submit("client", submitLine("client", spec("client", 300), out));
        ResultsStore store = new ResultsStore(out, cluster.hdfs.getConfiguration(0));
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        String executor;
        while ((executor = trainingAt(store, 150)) == null) { // past its checkpoint at step 100
            assertTrue(driver.isAlive() && System.nanoTime() < deadline,
                    "a pack reaches step 150; the driver's log:\n" + ClusterIT.tail(cluster.log("client"), 40));
            Thread.sleep(100);
        }
        assertTrue(YarnCluster.killExecutor(executor), "executor " + executor + "'s container killed");
        assertEquals(0, run("client", driver));
        assertEveryRunOnce(store, 300);
        String log = Files.readString(cluster.log("client"));
        assertTrue(log.contains("sweep done in "), "the summary on the client's terminal");
        List<String> stderr = new ArrayList<>();
        for (Path f : cluster.containerLogs("stderr")) {
            stderr.add(Files.readString(f));
        }
        assertTrue(stderr.stream().anyMatch(s -> s.contains("resumes from its checkpoint at step ")),
                "the killed pack's runs resume from their checkpoints, as an executor's stderr says");
        assertFalse(cluster.containerLogs("groksweep.log").isEmpty(), "the executors log with the shipped config");

        String jar = System.getProperty("groksweep.sparkJar").replace("groksweep-spark.jar", "groksweep-analysis.jar");
        try (var zip = new java.util.zip.ZipFile(jar)) {
            assertTrue(zip.stream().noneMatch(e -> e.getName().startsWith("ai/djl/") || e.getName().startsWith("groksweep/model/")),
                    "no DJL and no trainer in the analysis jar");
        }
        List<String> analysis = List.of("--deploy-mode", "client", "--class", "groksweep.cli.AnalysisMain",
                "--conf", "spark.yarn.jars=" + cluster.sparkJars(), "--conf", "spark.sql.shuffle.partitions=4",
                "--driver-java-options", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC", // as docs/CLUSTER.md's analysis line
                "--conf", "spark.executor.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                "--num-executors", "1", "--executor-memory", "1g", jar);
        List<String> analyze = new ArrayList<>(analysis);
        analyze.addAll(List.of("analyze", out));
        assertEquals(0, run("analyze", cluster.submit("analyze", analyze)));
        assertTrue(new String(store.readBytes("analysis/grid_summary.csv"), StandardCharsets.UTF_8)
                .startsWith("modulus,train_fraction,weight_decay"), "the grid summary written to HDFS");
        assertTrue(store.exists("report.html"), "the report drawn on HDFS");
        assertTrue(Files.readString(cluster.log("analyze")).contains("median_grokked_step"), "grid summary printed");
        List<String> sql = new ArrayList<>(analysis);
        sql.addAll(List.of("sql", out, "SELECT count(*) AS committed_ok FROM runs WHERE status = 'ok'"));
        assertEquals(0, run("sql", cluster.submit("sql", sql)));
        assertTrue(Pattern.compile("(?m)^\\s*6\\s*$").matcher(Files.readString(cluster.log("sql"))).find(),
                "sql counts the six runs:\n" + ClusterIT.tail(cluster.log("sql"), 20));
    }

    /**
     * Cluster mode: the spec and the logging config travel with {@code --files}; the driver runs in
     * the application master's container. Its summary is in that container's stdout and the
     * executors' groksweep lines in theirs, where the NodeManagers keep them ({@code yarn logs}).
     */
    @Test
    @Order(2)
    void aSweepInClusterModeRunsItsDriverInAContainerAndEachSidesLogIsWhereYarnKeepsIt() throws Exception {
        String out = cluster.fs + "/groksweep/cluster";
        Process client = cluster.submit("cluster", submitLine("cluster", spec("cluster", 100), out));
        assertEquals(0, run("cluster", client), "the client reports the application failed");
        assertEveryRunOnce(new ResultsStore(out, cluster.hdfs.getConfiguration(0)), 100);
        List<String> stdout = new ArrayList<>();
        for (Path f : cluster.containerLogs("stdout")) {
            stdout.add(Files.readString(f));
        }
        assertTrue(stdout.stream().anyMatch(s -> s.contains("sweep done in ") && s.contains(out)),
                "the driver's summary in its container's stdout");
        assertFalse(cluster.containerLogs("groksweep.log").isEmpty(), "the log file beside the containers' stderr");
    }
}
