package groksweep.cluster;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A YARN cluster in this JVM, Hadoop's own minicluster: a ResourceManager and two NodeManagers,
 * beside an in-process HDFS (a NameNode and a DataNode) that is the cluster's default file system.
 * Clients reach it as they reach a real one: through a Hadoop configuration directory
 * ({@link #confDir}, the {@code HADOOP_CONF_DIR} of {@link #submit}) holding its site files.
 * The NodeManagers launch each container (the application master, executors) as a process of
 * its own, with {@code JAVA_HOME} from this JVM's environment, as a node's NodeManager does.
 */
final class YarnCluster implements AutoCloseable {
    final MiniDFSCluster hdfs;
    final MiniYARNCluster yarn;
    final Path confDir;
    final Path work;
    /** The HDFS root of the cluster, e.g. hdfs://127.0.0.1:PORT. */
    final String fs;
    private final Path sparkHome = Path.of(System.getProperty("groksweep.sparkHome"));
    private final List<Process> started = new ArrayList<>();

    YarnCluster(Path work) throws Exception {
        this.work = work;
        Configuration conf = new YarnConfiguration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        fs = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
        conf.set("fs.defaultFS", fs);
        conf.set("yarn.resourcemanager.hostname", "127.0.0.1");
        conf.set("yarn.nodemanager.hostname", "127.0.0.1");
        // The minicluster's jar has no capacity-scheduler.xml: one queue, all of the cluster, for anyone.
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
        conf.set("yarn.scheduler.capacity.root.default.user-limit-factor", "1");
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // A JVM with libtorch maps far more virtual memory than it uses; clusters turn this check off.
        conf.set("yarn.nodemanager.vmem-check-enabled", "false");
        conf.set("yarn.minicluster.yarn.nodemanager.resource.memory-mb", "8192");
        conf.set("yarn.scheduler.minimum-allocation-mb", "256");
        yarn = new MiniYARNCluster("groksweep-yarn", 2, 1, 1);
        try (var earlier = Files.list(yarn.getTestWorkDir().toPath().getParent())) { // earlier runs' containers (each holds the 120 MB jar)
            for (Path d : earlier.filter(d -> !d.equals(yarn.getTestWorkDir().toPath())).toList()) {
                deleteRecursively(d);
            }
        }
        yarn.init(conf);
        yarn.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // start() may return before the RM has its port
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ResourceManager did not get an address in 30 s");
            }
            Thread.sleep(100);
        }
        confDir = Files.createDirectories(work.resolve("hadoop-conf"));
        Configuration site = new Configuration(false); // the ResourceManager's addresses: all a client and an application master need
        for (Map.Entry<String, String> e : yarn.getConfig()) {
            if (e.getKey().startsWith("yarn.resourcemanager.") && (e.getKey().endsWith(".address") || e.getKey().endsWith(".hostname"))) {
                site.set(e.getKey(), yarn.getConfig().get(e.getKey()));
            }
        }
        try (OutputStream out = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
            site.writeXml(out);
        }
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", fs);
        try (OutputStream out = Files.newOutputStream(confDir.resolve("core-site.xml"))) {
            core.writeXml(out);
        }
    }

    /**
     * Runs {@code spark-submit --master yarn ARGS} as the script does on a client machine: Spark's
     * launcher builds the command (the driver's memory and options in client mode, the class path
     * with {@code HADOOP_CONF_DIR}), which then runs with its output in {@link #log}.
     */
    Process submit(String name, List<String> args) throws IOException, InterruptedException {
        List<String> launch = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", sparkHome.resolve("jars") + "/*", "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit", "--master", "yarn"));
        launch.addAll(args);
        ProcessBuilder launcher = environment(new ProcessBuilder(launch)).redirectError(log(name + "-launcher").toFile());
        Process p = launcher.start();
        String command = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("Spark's launcher refused the submit line: " + Files.readString(log(name + "-launcher")));
        }
        // The command's words, each ended by a NUL, after a NUL and a newline (Spark 4's launcher).
        List<String> cmd = new ArrayList<>(List.of(command.replaceFirst("^\0\n", "").split("\0")));
        cmd.addAll(1, StandaloneCluster.SHORT_LIVED);
        Process driver = environment(new ProcessBuilder(cmd)).redirectErrorStream(true).redirectOutput(log(name).toFile()).start();
        started.add(driver);
        return driver;
    }

    /** The environment of a client machine: the cluster's Hadoop configuration, and Spark's as on the standalone cluster. */
    private ProcessBuilder environment(ProcessBuilder pb) {
        StandaloneCluster.sparkEnvironment(pb.environment(), sparkHome);
        pb.environment().put("HADOOP_CONF_DIR", confDir.toString());
        return pb;
    }

    /** Spark's jars on every node, so nothing of Spark's is uploaded per application. */
    String sparkJars() {
        return "local:" + sparkHome.resolve("jars") + "/*";
    }

    Path log(String name) {
        return work.resolve(name + ".log");
    }

    /** The NodeManagers' container log directories: {@code <app>/<container>/{stdout,stderr,...}}, as {@code yarn logs} reads them. */
    List<Path> containerLogs(String fileName) throws IOException {
        try (var files = Files.walk(yarn.getTestWorkDir().toPath())) {
            return files.filter(f -> f.getFileName().toString().equals(fileName))
                    .filter(f -> f.getParent().getFileName().toString().startsWith("container_")).sorted().toList();
        }
    }

    /** The executor processes the NodeManagers launched, by their main class. */
    static List<ProcessHandle> executors() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("YarnCoarseGrainedExecutorBackend")).toList();
    }

    /** SIGKILLs the executor container whose Spark executor id is {@code id}, as YARN's preemption or the OOM killer would; false if none runs. */
    static boolean killExecutor(String id) {
        return executors().stream().filter(p -> p.info().commandLine().orElse("").contains(" --executor-id " + id + " "))
                .map(ProcessHandle::destroyForcibly).reduce(false, Boolean::logicalOr);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /**
     * Ends the drivers this class started and HDFS; YARN stops in the background. A NodeManager's
     * log handler waits 10 s on stop for the timers that would delete finished applications'
     * logs, 20 s for the two, and no test reads anything after this.
     */
    @Override
    public void close() {
        for (Process p : started) {
            p.destroyForcibly();
        }
        Thread stop = new Thread(yarn::stop, "yarn-minicluster-stop");
        stop.setDaemon(true);
        stop.start();
        hdfs.shutdown();
    }
}
