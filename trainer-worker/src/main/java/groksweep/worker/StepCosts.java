package groksweep.worker;

import groksweep.config.TrainConfig;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The step costs this machine has timed before ({@link StepCost#measure}), kept in a small file
 * ({@code $XDG_CACHE_HOME/groksweep/step-costs.properties}, else {@code ~/.cache/...}) so that a
 * sweep of shapes timed before, by any sweep on this machine, need not time them again. An entry
 * is keyed by the machine (CPU model, cores), the build that timed it (the trainer's classes and
 * their time: a rebuilt engine times again), the pack's shape and size, the device, threads and
 * copies at once. A cache that cannot be read or written is no cache: the shape is timed.
 */
public final class StepCosts {
    private static final Logger LOG = LogManager.getLogger(StepCosts.class);

    private final Path file;

    StepCosts(Path file) {
        this.file = file;
    }

    /** The cache of this user on this machine. */
    public static StepCosts here() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path dir = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new StepCosts(dir.resolve("groksweep").resolve("step-costs.properties"));
    }

    /** The pack's cost: as timed before with these settings, or timed now (about {@code budget}) and kept. */
    public Timed cost(List<TrainConfig> pack, String device, int threads, int concurrent, Duration budget) {
        String key = key(pack, device, threads, concurrent);
        Optional<StepCost> known = read(key);
        if (known.isPresent()) {
            return new Timed(known.get(), true);
        }
        StepCost measured = StepCost.measure(pack, device, threads, concurrent, budget);
        write(key, measured);
        return new Timed(measured, false);
    }

    /** Whether the pack's cost with these settings was timed before. */
    public boolean known(List<TrainConfig> pack, String device, int threads, int concurrent) {
        return read(key(pack, device, threads, concurrent)).isPresent();
    }

    /** A cost and whether it came from an earlier timing. */
    public record Timed(StepCost cost, boolean earlier) {}

    static String key(List<TrainConfig> pack, String device, int threads, int concurrent) {
        String what = machine() + "|" + build() + "|" + pack.get(0).packKey() + "|" + pack.size() + "|" + device + "|"
                + threads + "|" + concurrent;
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(what.getBytes()), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String machine() {
        String cpu = "unknown";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(cpu);
        } catch (IOException e) {
            // not Linux: the OS and architecture say less, with the cores
        }
        return cpu + "|" + System.getProperty("os.name") + "|" + System.getProperty("os.arch") + "|"
                + Runtime.getRuntime().availableProcessors();
    }

    /** The build of the trainer: where its classes are, and when they were built. */
    private static String build() {
        try {
            Path code = Path.of(StepCost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path stamp = Files.isDirectory(code) ? code.resolve(StepCost.class.getName().replace('.', '/') + ".class") : code;
            return code + "@" + Files.getLastModifiedTime(stamp).toMillis();
        } catch (Exception e) {
            return "unknown build " + System.nanoTime(); // never matches: time again
        }
    }

    private Optional<StepCost> read(String key) {
        Properties p = load();
        String value = p.getProperty(key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            String[] ms = value.split(" ");
            return Optional.of(new StepCost(Double.parseDouble(ms[0]), Double.parseDouble(ms[1]), Double.parseDouble(ms[2])));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                LOG.debug("step costs in {} unreadable: {}", file, e.getMessage());
            }
        }
        return p;
    }

    /** Adds an entry: the file read again and replaced whole (a temporary renamed), so concurrent writers lose at most an entry. */
    private void write(String key, StepCost cost) {
        try {
            Files.createDirectories(file.getParent());
            Properties p = load();
            p.setProperty(key, cost.updateMs() + " " + cost.evalMs() + " " + cost.analysisMs());
            Path tmp = Files.createTempFile(file.getParent(), "step-costs", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "groksweep: ms per update, evaluation and progress measures, by machine, build and run shape");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LOG.debug("step costs not kept in {}: {}", file, e.getMessage());
        }
    }
}
