package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.Secrets;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/** A secret in a spec's Spark settings reaches Spark, and no file under the output, no log line, no printed line. */
class SecretsTest {
    static final String SECRET = "GroksweepTestSecret-7f3a9c";
    @TempDir Path dir;

    /** Collects every log event, formatted, at INFO and above. */
    static final class Collector extends AbstractAppender {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        Collector() {
            super("collector", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent e) {
            lines.add(e.getLoggerName() + " " + e.getMessage().getFormattedMessage()
                    + (e.getThrown() == null ? "" : " " + e.getThrown()));
        }
    }

    @Test
    void aSecretSettingIsRedactedEverywhere() throws Exception {
        Path out = dir.resolve("out");
        Path spec = Files.writeString(dir.resolve("secret.yaml"), """
                name: secret
                output: %s
                grid:
                  seed: [0, 1]
                trainer:
                  modulus: 11
                  steps: 20
                  d_mlp: 64
                spark:
                  spark.hadoop.fs.s3a.secret.key: %s
                  spark.hadoop.fs.s3a.access.key: %s-access
                  spark.logConf: "true"
                  spark.scheduler.listenerbus.logSlowEvent.threshold: "0"
                """.formatted(out, SECRET, SECRET));
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        Collector collector = new Collector();
        collector.start();
        config.getRootLogger().addAppender(collector, Level.INFO, null);
        Level root = config.getRootLogger().getLevel();
        Configurator.setRootLevel(Level.INFO);
        Configurator.setLevel("org.apache.spark", Level.INFO);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        StringWriter err = new StringWriter();
        try {
            CommandLine cmd = Main.commandLine();
            cmd.getSubcommands().values().forEach(sub -> sub.setErr(new PrintWriter(err)));
            assertEquals(0, cmd.execute("sweep", spec.toString(), "--dry-run"));
            assertEquals(0, cmd.execute("sweep", spec.toString()));
        } finally {
            System.setOut(stdout);
            config.getRootLogger().removeAppender("collector");
            Configurator.setRootLevel(root);
            Configurator.setLevel("org.apache.spark", Level.WARN);
        }
        assertTrue(printed.toString().contains("2 runs trained {ok=2}"), printed.toString());
        assertTrue(collector.lines.size() > 10, "logging was captured: " + collector.lines.size() + " lines");
        for (String line : collector.lines) {
            assertFalse(line.contains(SECRET), "in a log line: " + line);
        }
        assertFalse(printed.toString().contains(SECRET), "printed");
        assertFalse(err.toString().contains(SECRET), "printed to stderr");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(out)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertTrue(files.size() > 10, files.size() + " files written");
        byte[] needle = SECRET.getBytes(StandardCharsets.UTF_8);
        for (Path f : files) {
            assertFalse(contains(Files.readAllBytes(f), needle), "in " + f);
        }
        String saved = Files.readString(files.stream().filter(f -> f.toString().contains("/sweeps/")).findFirst().orElseThrow());
        assertTrue(saved.contains("spark.hadoop.fs.s3a.secret.key: '" + Secrets.REDACTED + "'"), saved);
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
