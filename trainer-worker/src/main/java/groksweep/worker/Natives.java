package groksweep.worker;

import groksweep.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * The libtorch natives the build put on the classpath (the {@code pytorch-native-*} jar's
 * {@code native/lib/pytorch.properties}) and the platform this JVM runs on, named as Maven
 * Central's classifiers are. The build picks the natives for the machine that builds (the
 * parent pom's profiles); a jar carried to another platform is told apart here, in one line,
 * before DJL would try to download others.
 */
public final class Natives {
    /** The platforms libtorch's CPU natives are served for, as the parent pom names them. */
    public static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch64", "osx-aarch64", "win-x86_64");

    private static final String PROPERTIES = "native/lib/pytorch.properties";
    /** The one CUDA library that links the NVIDIA driver (libcuda) itself; libtorch opens it only on a GPU. */
    private static final String NEEDS_DRIVER = System.mapLibraryName("caffe2_nvrtc");

    /** What a natives jar says of itself: its libtorch build, flavor (cpu, cu124, ...) and platform. */
    public record Bundled(String version, String flavor, String platform, List<String> libraries) {
        public boolean cuda() {
            return flavor.startsWith("cu");
        }

        /** Where DJL keeps these libraries inside the jar. */
        String resource(String library) {
            return "pytorch/" + flavor + "/" + platform + "/" + library;
        }

        static Bundled of(Properties p) {
            return new Bundled(p.getProperty("version", "?"), p.getProperty("flavor", "cpu"),
                    p.getProperty("classifier", "?"), List.of(p.getProperty("libraries", "").split(",")));
        }
    }

    private Natives() {}

    /**
     * The platform for Java's {@code os.name} and {@code os.arch}, as Maven Central's natives are
     * classified; a one-line error for a platform without libtorch natives there.
     */
    public static String platform(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        String prefix = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "osx" : os.startsWith("windows") ? "win" : null;
        String cpu = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        String platform = prefix + "-" + cpu;
        if (prefix == null || !PLATFORMS.contains(platform)) {
            throw new ConfigException("platform", osName + " " + osArch, String.join(", ", PLATFORMS)
                    + ": libtorch's natives on Maven Central are built for these only"
                    + (platform.equals("osx-x86_64") ? " (none for Intel Macs since libtorch 2.3)" : ""));
        }
        return platform;
    }

    /** This JVM's platform. */
    public static String platform() {
        return platform(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** The natives on the classpath, if any. */
    public static Optional<Bundled> bundled() {
        try (InputStream in = Natives.class.getClassLoader().getResourceAsStream(PROPERTIES)) {
            if (in == null) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(in);
            return Optional.of(Bundled.of(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Fails in one line unless the classpath carries natives for {@code machine}: a build for
     * another platform, or none at all, would otherwise send DJL to the network, which groksweep
     * never lets it reach.
     */
    static void check(Optional<Bundled> bundled, String machine) {
        String rebuild = "; build on this machine (mvn -DskipTests package picks its natives)"
                + " or for it with mvn -Dgroksweep.platform=" + machine + " -DskipTests package";
        if (bundled.isEmpty()) {
            throw new ConfigException("libtorch: no natives on the classpath (" + PROPERTIES + ")" + rebuild);
        }
        if (!bundled.get().platform().equals(machine)) {
            throw new ConfigException("libtorch: this build carries natives for " + bundled.get().platform()
                    + " (libtorch " + bundled.get().version() + ", " + bundled.get().flavor() + ") and this machine is "
                    + machine + rebuild);
        }
    }

    /**
     * The flavor DJL must be told to load a CUDA build on a machine without a GPU, or empty where
     * DJL's own choice stands. DJL takes CUDA natives only where it sees a GPU and would download
     * CPU ones otherwise; libtorch's CUDA build runs on the CPU as well, so it is used as it is.
     */
    static Optional<String> cpuFlavorOverride(Optional<Bundled> bundled, int gpus, String flavorSetByUser) {
        boolean applies = bundled.isPresent() && bundled.get().cuda() && gpus == 0
                && (flavorSetByUser == null || flavorSetByUser.isEmpty());
        return applies ? Optional.of(bundled.get().flavor()) : Optional.empty();
    }

    /**
     * Unpacks the build's libraries where DJL looks for a build of {@code torchVersion} in that
     * flavor ({@code cacheDir/<version>-<flavor>-<platform>}), once; atomic, so concurrent JVMs on
     * one node never see half a directory. The driver-linked library stays out: DJL loads every
     * library it finds there, and without a driver that one cannot load.
     */
    static void unpack(Bundled b, String torchVersion, Path cacheDir) {
        Path dir = cacheDir.resolve(torchVersion + "-" + b.flavor() + "-" + b.platform());
        if (Files.exists(dir.resolve(System.mapLibraryName("torch")))) {
            return;
        }
        try {
            Files.createDirectories(cacheDir);
            Path tmp = Files.createTempDirectory(cacheDir, "unpacking");
            for (String library : b.libraries()) {
                if (library.equals(NEEDS_DRIVER)) {
                    continue;
                }
                try (InputStream in = Natives.class.getClassLoader().getResourceAsStream(b.resource(library))) {
                    if (in == null) {
                        throw new IOException("the natives jar lacks " + b.resource(library));
                    }
                    Files.copy(in, tmp.resolve(library));
                }
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException taken) {
                if (!Files.exists(dir.resolve(System.mapLibraryName("torch")))) {
                    throw taken;
                }
                try (var files = Files.walk(tmp)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("unpacking libtorch " + b.version() + " (" + b.flavor() + ") into " + dir, e);
        }
    }
}
