package groksweep.storage;

import static org.junit.jupiter.api.Assertions.assertFalse;

import groksweep.analysis.SharedSpark;
import groksweep.results.ResultsStore;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/**
 * Results on a real HDFS: an in-process NameNode and DataNode on 127.0.0.1. A sweep cancelled
 * mid-way shows only whole runs, its rerun trains only the rest, every table holds each run once,
 * no temporary file is left, and analyze and sql read it all back.
 */
class HdfsTest {
    @TempDir static Path dir;
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
        ResultsStore store = StoreScenario.cancelledThenResumed(SharedSpark.get(), dir, root, Map.of());
        assertFalse(store.writesDirectly(), "HDFS renames atomically: files are renamed into place");
    }
}
