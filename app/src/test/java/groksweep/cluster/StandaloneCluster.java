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
 * A real Spark standalone cluster on 127.0.0.1 from the project's Maven jars: one Master and two
 * Workers with one core each, every one its own JVM, executors launched by the Workers in JVMs of
 * their own. Free ports, loopback only; {@link #close} kills everything it started, by PID.
 */
final class StandaloneCluster implements AutoCloseable {
    static final List<String> OPENS = groksweep.Runtime.jvmOpens();

    final Path sparkHome;
    final Path work;
    final String masterUrl;
    private final int masterUi;
    private final List<Process> started = new ArrayList<>();

    StandaloneCluster(Path work) throws Exception {
        this.work = work;
        this.sparkHome = Path.of(System.getProperty("groksweep.sparkHome"));
        Path conf = Files.createDirectories(sparkHome.resolve("conf"));
        Files.copy(Path.of(System.getProperty("groksweep.conf"), "log4j2-test.xml"), conf.resolve("log4j2.xml"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int masterPort = freePort();
        masterUi = freePort();
        masterUrl = "spark://127.0.0.1:" + masterPort;
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                String.valueOf(masterPort), "--webui-port", String.valueOf(masterUi));
        for (int i = 1; i <= 2; i++) {
            Path dir = Files.createDirectories(work.resolve("worker-" + i));
            start("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port",
                    String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()), "--cores", "1",
                    "--memory", "3g", "--work-dir", dir.toString(), masterUrl);
        }
        awaitWorkers(2);
    }

    /** Starts {@code spark-submit} of the groksweep jar to this cluster; stdout and stderr go to a log. */
    Process submit(String name, String... args) throws IOException {
        return submitTo(masterUrl, name, args);
    }

    /** Starts {@code spark-submit} of the groksweep jar to {@code master}, e.g. local[2]. */
    Process submitTo(String master, String name, String... args) throws IOException {
        return submitJar(master, name, System.getProperty("groksweep.sparkJar"), "groksweep.cli.Main", args);
    }

    /** Starts {@code spark-submit} of {@code jar} with main class {@code mainClass} to {@code master}. */
    Process submitJar(String master, String name, String jar, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", master,
                "--class", mainClass, "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.memory=2g", "--conf", "spark.task.maxFailures=4", jar));
        cmd.addAll(List.of(args));
        return start(name, cmd.toArray(String[]::new));
    }

    Path log(String name) {
        return work.resolve(name + ".log");
    }

    /** The executor JVMs the Workers launched (all apps), by their main class. */
    List<ProcessHandle> executors() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .filter(p -> p.info().commandLine().orElse("").contains(sparkHome.toString()))
                .toList();
    }

    private Process start(String name, String... mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(OPENS);
        cmd.addAll(List.of("-Xmx1g", "-cp", sparkHome.resolve("conf") + ":" + sparkHome.resolve("jars") + "/*"));
        cmd.addAll(List.of(mainAndArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(log(name).toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("OMP_NUM_THREADS", "1");
        env.put("DJL_OFFLINE", "true");
        env.put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        started.add(p);
        return p;
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
