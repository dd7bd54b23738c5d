package groksweep.storage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.analysis.SharedSpark;
import groksweep.results.ResultsStore;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Results on S3 through s3a://, against an S3 API server on 127.0.0.1 (S3Mock, its own JVM),
 * path-style, no internet. Objects are written at their final keys (a PUT appears whole), so a
 * cancelled sweep shows only whole runs; the rerun trains only the rest, and analyze and sql read it.
 */
class S3Test {
    @TempDir static Path dir;
    static Process server;
    static Map<String, String> s3a = new LinkedHashMap<>();
    static final String ROOT = "s3a://results/groksweep";

    @BeforeAll
    static void start() throws Exception {
        int http = freePort();
        // a server for this test's minute: the quick compiler and the serial collector start it on less CPU
        server = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
                Path.of("target", "s3mock", "s3mock.jar").toString(),
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
        ResultsStore store = StoreScenario.cancelledThenResumed(SharedSpark.get(), dir, ROOT, s3a);
        assertTrue(store.writesDirectly(), "on S3 objects are written at their final keys");
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
