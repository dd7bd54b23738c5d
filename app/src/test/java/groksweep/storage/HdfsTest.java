package groksweep.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Results on a real HDFS: an in-process NameNode and DataNode on 127.0.0.1. A sweep cancelled
 * mid-way shows only whole runs, its rerun trains only the rest, every table holds each run once,
 * no temporary file is left, and analyze and sql read it all back.
 */
class HdfsTest {
    @TempDir static java.nio.file.Path dir;
    static MiniDFSCluster hdfs;
    static String root;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        root = "hdfs://127.0.0.1:" + hdfs.getNameNodePort() + "/groksweep/results";
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    void aSweepOnHdfsIsExactlyOnceResumableAndAnalysable() throws Exception {
        SparkSession spark = SharedSpark.get();
        java.nio.file.Path specFile = Files.writeString(dir.resolve("hdfs.yaml"), """
                name: hdfs
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
                """.formatted(root));
        SweepSpec spec = SweepSpec.parse(Files.readString(specFile));
        ResultsStore store = new ResultsStore(root, spark.sparkContext().hadoopConfiguration());
        assertFalse(store.writesDirectly(), "HDFS renames atomically: files are renamed into place");
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
        Thread.sleep(1500); // killed tasks notice and stop
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
            assertEquals(0, Main.commandLine().execute("analyze", root, "--no-report"));
            assertEquals(0, Main.commandLine().execute("sql", root, "--format", "csv",
                    "SELECT count(*) AS runs, sum(n) AS rows FROM (SELECT run_id, count(*) AS n FROM metrics GROUP BY run_id)"));
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString();
        assertTrue(out.contains((6 - committed.size()) + " runs trained {ok=" + (6 - committed.size()) + "}, "
                + committed.size() + " already committed"), out);
        assertTrue(out.contains("runs,rows\n6,186"), "sql reads every run's 31 rows from HDFS: " + out);
        assertEquals(6L, spark.read().parquet(root + "/runs").count());
        assertEquals(0L, spark.read().parquet(root + "/metrics").groupBy("run_id", "step").count()
                .where("count > 1").count(), "no metric row twice");
        assertTrue(store.exists("analysis/grid_summary.csv"), "analyze wrote to HDFS");
        assertTrue(store.exists("views.sql"));
        assertEquals(List.of(), temporaries(store), "no _tmp- leftovers");
    }

    static List<String> temporaries(ResultsStore store) throws Exception {
        List<String> found = new ArrayList<>();
        var files = store.fileSystem().listFiles(new Path(root), true);
        while (files.hasNext()) {
            String name = files.next().getPath().getName();
            if (name.startsWith(ResultsStore.TMP_PREFIX)) {
                found.add(name);
            }
        }
        return found;
    }
}
