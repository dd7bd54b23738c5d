package groksweep.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.analysis.SharedSpark;
import groksweep.cli.Main;
import groksweep.results.ResultsStore;
import groksweep.results.Tables;
import groksweep.sweep.SweepRunner;
import groksweep.sweep.SweepSpec;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Results on S3 through s3a://, against an S3 API server on 127.0.0.1 (S3Mock, its own JVM),
 * path-style, no internet. Objects are written at their final keys (a PUT appears whole), so a
 * cancelled sweep shows only whole runs; the rerun trains only the rest, and analyze and sql read it.
 */
class S3Test {
    @TempDir static java.nio.file.Path dir;
    static Process server;
    static Map<String, String> s3a = new LinkedHashMap<>();
    static final String ROOT = "s3a://results/groksweep";

    @BeforeAll
    static void start() throws Exception {
        int http = freePort();
        server = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m", "-jar",
                java.nio.file.Path.of("target", "s3mock", "s3mock.jar").toString(),
                "--server.port=" + freePort(), "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.httpPort=" + http,
                "--com.adobe.testing.s3mock.store.initialBuckets=results",
                "--com.adobe.testing.s3mock.store.root=" + dir.resolve("s3"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3mock.log").toFile()).start();
        awaitUp("http://127.0.0.1:" + http + "/");
        s3a.put("fs.s3a.endpoint", "http://127.0.0.1:" + http);
        s3a.put("fs.s3a.endpoint.region", "us-east-1");
        s3a.put("fs.s3a.path.style.access", "true");
        s3a.put("fs.s3a.connection.ssl.enabled", "false");
        s3a.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        s3a.put("fs.s3a.access.key", "groksweep");
        s3a.put("fs.s3a.secret.key", "not-a-secret-here");
        Configuration sparkHadoop = SharedSpark.get().sparkContext().hadoopConfiguration();
        s3a.forEach(sparkHadoop::set); // as a cluster's core-site.xml would
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly().waitFor();
        }
    }

    @Test
    void aSweepOnS3IsExactlyOnceResumableAndAnalysable() throws Exception {
        SparkSession spark = SharedSpark.get();
        StringBuilder settings = new StringBuilder();
        s3a.forEach((k, v) -> settings.append("  spark.hadoop.").append(k).append(": '").append(v).append("'\n"));
        java.nio.file.Path specFile = Files.writeString(dir.resolve("s3.yaml"), """
                name: s3
                output: %s
                grid:
                  seed: [0, 1, 2, 3, 4, 5]
                trainer:
                  modulus: 11
                  train_fraction: 0.5
                  steps: 300
                  eval_every: 10
                  analysis_every: 100
                  d_mlp: 64
                spark:
                %s""".formatted(ROOT, settings));
        SweepSpec spec = SweepSpec.parse(Files.readString(specFile));
        ResultsStore store = new ResultsStore(ROOT, spec.hadoopConfiguration());
        assertTrue(store.writesDirectly(), "on S3 objects are written at their final keys");
        CompletableFuture<Void> stopper = CompletableFuture.runAsync(() -> {
            try {
                while (store.runIds(Tables.RUNS).isEmpty()) {
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            spark.sparkContext().cancelAllJobs();
        });
        assertThrows(IllegalStateException.class,
                () -> SweepRunner.run(spark, spec, SweepRunner.plan(spec, false), false, line -> {}));
        stopper.get();
        Thread.sleep(1500);
        Set<String> committed = store.runIds(Tables.RUNS);
        assertTrue(committed.size() >= 1 && committed.size() < 6, committed.size() + " committed before the cancel");
        for (String id : committed) { // a visible run is whole
            assertEquals(31, store.read(Tables.METRICS, id).size(), id);
            assertEquals(3 * 5 * 4, store.read(Tables.SPECTRA, id).size(), id);
        }

        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true));
        try {
            assertEquals(0, Main.commandLine().execute("sweep", specFile.toString(), "--no-analysis"));
            assertEquals(0, Main.commandLine().execute("analyze", ROOT, "--no-report"));
            assertEquals(0, Main.commandLine().execute("sql", ROOT, "--format", "csv",
                    "SELECT count(*) AS runs, sum(n) AS rows FROM (SELECT run_id, count(*) AS n FROM metrics GROUP BY run_id)"));
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString();
        assertTrue(out.contains((6 - committed.size()) + " runs trained {ok=" + (6 - committed.size()) + "}, "
                + committed.size() + " already committed"), out);
        assertTrue(out.contains("runs,rows\n6,186"), "sql reads every run's 31 rows from S3: " + out);
        assertEquals(6L, spark.read().parquet(ROOT + "/runs").count());
        assertEquals(0L, spark.read().parquet(ROOT + "/metrics").groupBy("run_id", "step").count()
                .where("count > 1").count(), "no metric row twice");
        assertTrue(store.exists("analysis/grid_summary.csv"), "analyze wrote to S3");
        assertEquals(List.of(), temporaries(store), "nothing is written under a temporary key on S3");
    }

    static List<String> temporaries(ResultsStore store) throws Exception {
        List<String> found = new ArrayList<>();
        var files = store.fileSystem().listFiles(new Path(ROOT), true);
        while (files.hasNext()) {
            String name = files.next().getPath().getName();
            if (name.startsWith(ResultsStore.TMP_PREFIX)) {
                found.add(name);
            }
        }
        return found;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void awaitUp(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("S3Mock exited: " + Files.readString(dir.resolve("s3mock.log")));
            }
            try {
                client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.discarding());
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("S3Mock did not start: " + Files.readString(dir.resolve("s3mock.log")));
    }
}
