package groksweep.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Spark standalone cluster on 127.0.0.1 from the project's Maven jars: one Master and
 * Workers with one core each, every one its own JVM, executors launched by the Workers in JVMs of
 * their own. Free ports, loopback only; {@link #close} kills everything it started, by PID.
 *
 * <p>Separate nodes: each Worker (and so each executor it launches) runs in a mount namespace of
 * its own, with a private, empty tmpfs mounted at {@link #nodeDisk}, as each node of a real cluster
 * has its own local disk. The driver and this JVM see the real directory there; everything outside
 * it is seen alike by all, as a network mount would be. Where mount namespaces are not available
 * (not root, no {@code unshare}), the Workers share this machine's view and {@link #isolated} is
 * false.
 */
public final class StandaloneCluster implements AutoCloseable {
    static final List<String> OPENS = groksweep.RuntimeSettings.jvmOpens();

    /**
     * For the test cluster's JVMs, which live seconds to a minute and train in libtorch: the quick
     * compiler only and the serial collector, which spend less of two cores on themselves.
     */
    static final List<String> SHORT_LIVED = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    final Path sparkHome;
    final Path work;
    /** A directory each Worker sees as its own empty disk, when {@link #isolated}. */
    public final Path nodeDisk;
    /** Whether every Worker has its own view of {@link #nodeDisk}. */
    public final boolean isolated;
    public final String masterUrl;
    private final int masterUi;
    private final List<Process> started = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();

    /** Whether each Worker, with the executors it launches, runs on one CPU of its own. */
    private final boolean pinned;

    /** A cluster of two Workers under {@code work}. */
    public StandaloneCluster(Path work) throws Exception {
        this(work, 2, false);
    }

    /**
     * A cluster of {@code nWorkers} Workers of one core each. {@code pinned}: Worker i and its
     * executors run on CPU i − 1 alone ({@code taskset}), as a node's single core would be; unpinned,
     * a Worker's JVMs may use idle CPUs for compilation and garbage collection, so one Worker alone
     * would get more than one core's work done.
     */
    public StandaloneCluster(Path work, int nWorkers, boolean pinned) throws Exception {
        this.work = work;
        this.pinned = pinned;
        this.nodeDisk = Files.createDirectories(work.resolve("node-disk"));
        this.isolated = canIsolate(nodeDisk);
        this.sparkHome = Path.of(System.getProperty("groksweep.sparkHome"));
        Path conf = Files.createDirectories(sparkHome.resolve("conf"));
        Files.copy(Path.of(System.getProperty("groksweep.conf"), "log4j2-test.xml"), conf.resolve("log4j2.xml"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int masterPort = freePort();
        masterUi = freePort();
        masterUrl = "spark://127.0.0.1:" + masterPort;
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(masterPort), "--webui-port", String.valueOf(masterUi));
        for (int i = 1; i <= nWorkers; i++) {
            Path dir = Files.createDirectories(work.resolve("worker-" + i));
            workers.add(start("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port",
                    String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()), "--cores", "1",
                    "--memory", "3g", "--work-dir", dir.toString(), masterUrl));
        }
        awaitWorkers(nWorkers);
    }

    /** The command prefix that starts a process as a node of its own: a private mount namespace with its own disk. */
    private static List<String> ownNode(Path disk) {
        return List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o size=256m node-disk \"$0\" && exec \"$@\"", disk.toString());
    }

    /** Whether a process can be given its own view of {@code disk} here (root, unshare, tmpfs). */
    private static boolean canIsolate(Path disk) {
        try {
            List<String> probe = new ArrayList<>(ownNode(disk));
            probe.add("true");
            Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false; // no unshare
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The names in {@code dir} as Worker {@code i} (from 1) sees it, read inside its mount namespace. */
    public List<String> seenByWorker(int i, Path dir) throws Exception {
        Process p = new ProcessBuilder("nsenter", "--target", String.valueOf(workers.get(i - 1).pid()), "--mount",
                "ls", "-A", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("nsenter into worker " + i + " failed: " + out);
        }
        return out.lines().toList();
    }

    /** Starts {@code spark-submit} of the groksweep jar to this cluster; stdout and stderr go to a log. */
    public Process submit(String name, String... args) throws IOException {
        return submitTo(masterUrl, name, args);
    }

    /** Starts {@code spark-submit} of the groksweep jar to {@code master}, e.g. local[2]. */
    Process submitTo(String master, String name, String... args) throws IOException {
        return submitJar(master, name, System.getProperty("groksweep.sparkJar"), "groksweep.cli.Main", args);
    }

    /** Starts {@code spark-submit} of the groksweep jar to this cluster with extra settings ({@code key=value}). */
    public Process submitWith(List<String> settings, String name, String... args) throws IOException {
        return submitJar(masterUrl, name, System.getProperty("groksweep.sparkJar"), "groksweep.cli.Main", settings, args);
    }

    /** Starts {@code spark-submit} of {@code jar} with main class {@code mainClass} to {@code master}. */
    Process submitJar(String master, String name, String jar, String mainClass, String... args) throws IOException {
        return submitJar(master, name, jar, mainClass, List.of(), args);
    }

    private Process submitJar(String master, String name, String jar, String mainClass, List<String> settings,
            String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", master,
                "--class", mainClass, "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.memory=2g", "--conf", "spark.task.maxFailures=4",
                "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", SHORT_LIVED)));
        settings.forEach(s -> cmd.addAll(List.of("--conf", s)));
        cmd.add(jar);
        cmd.addAll(List.of(args));
        return start(name, cmd.toArray(String[]::new));
    }

    public Path log(String name) {
        return work.resolve(name + ".log");
    }

    /** The executor JVMs this cluster's Workers launched (all apps), by their main class; none of another cluster's. */
    List<ProcessHandle> executors() {
        return started.stream().flatMap(Process::descendants)
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .toList();
    }

    /** SIGKILLs the executor JVM of the running app whose Spark executor id is {@code id}; false if none runs. */
    boolean killExecutor(String id) {
        return executors().stream().filter(p -> p.info().commandLine().orElse("").contains(" --executor-id " + id + " "))
                .map(ProcessHandle::destroyForcibly).reduce(false, Boolean::logicalOr);
    }

    private Process start(String name, String... mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (isolated && name.startsWith("worker-")) {
            cmd.addAll(ownNode(nodeDisk));
        }
        if (pinned && name.startsWith("worker-")) { // worker i and its executors on CPU i - 1 alone
            int cpu = (Integer.parseInt(name.substring("worker-".length())) - 1) % Runtime.getRuntime().availableProcessors();
            cmd.addAll(List.of("taskset", "--cpu-list", String.valueOf(cpu)));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(OPENS);
        cmd.addAll(SHORT_LIVED);
        cmd.addAll(List.of("-Xmx1g", "-cp", sparkHome.resolve("conf") + ":" + sparkHome.resolve("jars") + "/*"));
        cmd.addAll(List.of(mainAndArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(log(name).toFile());
        sparkEnvironment(pb.environment(), sparkHome);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** The environment of Spark's processes here: its home, loopback, and libtorch as bin/groksweep sets it up. */
    static void sparkEnvironment(Map<String, String> env, Path sparkHome) {
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("OMP_NUM_THREADS", "1");
        env.put("DJL_OFFLINE", "true");
        env.put("OPT_OUT_TRACKING", "true");
    }

    private void awaitWorkers(int n) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
                if (json.replace(" ", "").contains("\"aliveworkers\":" + n)) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the cluster did not come up; see " + work);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Kills every JVM started here and their descendants (executors), by PID. */
    @Override
    public void close() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : started) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
