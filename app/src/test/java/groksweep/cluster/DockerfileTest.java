package groksweep.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kubernetes image cannot be built here (no container engine), so what can go stale in it is
 * checked instead: its Spark, Hadoop and AWS SDK versions are the build's, and it copies the jar
 * that the build makes and the files that docs/CLUSTER.md's submit line names.
 */
class DockerfileTest {
    static final Path ROOT = Path.of("..");

    static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertTrue(m.find(), name + " in pom.xml");
        return m.group(1);
    }

    static String arg(String dockerfile, String name) {
        Matcher m = Pattern.compile("(?m)^ARG " + name + "=(\\S+)$").matcher(dockerfile);
        assertTrue(m.find(), "ARG " + name + " in the Dockerfile");
        return m.group(1);
    }

    @Test
    void theImagePinsTheBuildsVersionsAndCopiesWhatTheDocsSubmit() throws Exception {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertEquals("apache/spark:" + property(pom, "spark.version") + "-scala" + property(pom, "scala.binary.version")
                + "-java" + property(pom, "maven.compiler.release") + "-ubuntu", arg(dockerfile, "SPARK_IMAGE"));
        assertEquals(property(pom, "hadoop.version"), arg(dockerfile, "HADOOP_AWS_VERSION"));
        assertEquals(property(pom, "awssdk.version"), arg(dockerfile, "AWS_SDK_VERSION"));
        assertTrue(dockerfile.contains("COPY app/target/groksweep-spark.jar /opt/groksweep/groksweep-spark.jar\n"));
        assertTrue(dockerfile.contains("COPY conf/ /opt/groksweep/conf/\n"));

        String cluster = Files.readString(ROOT.resolve("docs/CLUSTER.md"));
        assertTrue(cluster.contains("local:///opt/groksweep/groksweep-spark.jar"));
        Matcher spec = Pattern.compile("sweep /opt/groksweep/(conf/sweeps/\\S+\\.yaml)").matcher(cluster);
        assertTrue(spec.find(), "the Kubernetes submit line names a spec in the image");
        assertTrue(Files.isRegularFile(ROOT.resolve(spec.group(1))), spec.group(1) + " is in conf/, which the image copies");
        String ignore = Files.readString(ROOT.resolve(".dockerignore"));
        assertTrue(ignore.contains("!app/target/groksweep-spark.jar") && ignore.contains("!conf/"), "the build context holds both");
    }
}
