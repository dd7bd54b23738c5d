package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The parent pom's natives selection, run for real: this Maven resolves a copy of the project with
 * each platform forced, or with the machine it sees faked through os.name and os.arch (which its
 * profile activation reads), and the dependency tree must carry that platform's natives and no
 * other. Other platforms' trees are resolved without their jars (290 MB, the CUDA one 2.4 GB); this
 * machine's jar, which the build has anyway, is opened and checked whole. Windows' activation cannot
 * be faked here (Maven's console loads Windows libraries once os.name says Windows), so that
 * platform is forced. The gpu build's DJL compiles this code; that it trains there is checked by
 * hand (CONTRIBUTING.md, "Checking a change to the engine"), as it downloads that libtorch's natives.
 */
class NativesBuildTest {
    @TempDir
    static Path copy;

    @BeforeAll
    static void copyTheProject() throws IOException {
        Path root = Path.of(System.getProperty("groksweep.root"));
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> Files.exists(m.resolve("pom.xml"))).toList()) {
                Files.createDirectories(copy.resolve(root.relativize(module)));
                Files.copy(module.resolve("pom.xml"), copy.resolve(root.relativize(module)).resolve("pom.xml"));
            }
        }
        Files.copy(root.resolve("pom.xml"), copy.resolve("pom.xml"));
        for (String tree : List.of("core/src", "trainer-worker/src", "conf")) {
            try (Stream<Path> files = Files.walk(root.resolve(tree))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Path to = copy.resolve(root.relativize(f));
                    Files.createDirectories(to.getParent());
                    Files.copy(f, to);
                }
            }
        }
    }

    record Build(int exit, String output, List<String> classpath) {}

    /** Runs this Maven on the copy; {@code machine} is MAVEN_OPTS, the JVM's own os.name and os.arch. */
    static Build maven(String machine, String... args) throws Exception {
        Path classpath = Files.createTempFile(copy, "classpath", ".txt");
        List<String> command = new ArrayList<>(List.of(System.getProperty("groksweep.maven"), "-B", "-ntp",
                "-Dmaven.repo.local=" + System.getProperty("groksweep.m2"), "-Dmdep.outputFile=" + classpath));
        if (System.getProperty("groksweep.offline", "").equals("offline=true")) { // as this build runs
            command.add("-o");
        }
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(copy.toFile()).redirectErrorStream(true);
        pb.environment().put("MAVEN_OPTS", machine);
        Process p = pb.start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(10, TimeUnit.MINUTES));
        String cp = Files.readString(classpath).strip();
        return new Build(p.exitValue(), output, cp.isEmpty() ? List.of() : List.of(cp.split(File.pathSeparator)));
    }

    /** The classpath trainer-worker resolves (core from the copy, compiled as nothing): this machine's jars. */
    static List<String> classpath(String machine, String... args) throws Exception {
        List<String> goals = new ArrayList<>(List.of("-q", "-pl", "trainer-worker", "-am", "compile",
                "dependency:build-classpath", "-Dmaven.main.skip", "-Dmaven.resources.skip"));
        goals.addAll(Arrays.asList(args));
        Build b = maven(machine, goals.toArray(String[]::new));
        assertEquals(0, b.exit(), b.output());
        return b.classpath();
    }

    /**
     * DJL's artifacts in the dependency tree trainer-worker resolves, as {@code group:artifact:jar[:classifier]:version}:
     * resolved from their poms, their jars never downloaded.
     */
    static List<String> tree(String machine, String... args) throws Exception {
        Path out = Files.createTempFile(copy, "tree", ".txt");
        List<String> goals = new ArrayList<>(List.of("-q", "-pl", "trainer-worker", "-am", "compile", "dependency:tree",
                "-Dmaven.main.skip", "-Dmaven.resources.skip", "-Dincludes=ai.djl,ai.djl.pytorch", "-DoutputFile=" + out));
        goals.addAll(Arrays.asList(args));
        Build b = maven(machine, goals.toArray(String[]::new));
        assertEquals(0, b.exit(), b.output());
        return Files.readAllLines(out).stream().filter(l -> l.contains("ai.djl"))
                .map(l -> l.replaceAll("^[-+|\\\\ ]*", "").replaceAll(":(compile|runtime)$", "")).toList();
    }

    /** The one natives artifact of {@code tree}, checked to be {@code platform}'s, with DJL's JNI beside it. */
    static String nativesIn(List<String> tree, String platform) {
        List<String> natives = tree.stream().filter(a -> a.startsWith("ai.djl.pytorch:pytorch-native-")).toList();
        assertEquals(1, natives.size(), "one natives artifact: " + tree);
        assertTrue(natives.get(0).contains(":jar:" + platform + ":"), natives.get(0));
        assertTrue(tree.stream().anyMatch(a -> a.startsWith("ai.djl.pytorch:pytorch-jni:jar:")), "the JNI beside: " + tree);
        return natives.get(0);
    }

    /**
     * The one natives jar on {@code classpath}, checked to say {@code platform} of itself and to
     * hold no other platform's libraries, and DJL's JNI library for it beside (so nothing is
     * fetched at run time).
     */
    static String nativesFor(List<String> classpath, String platform) throws IOException {
        List<String> natives = classpath.stream().filter(j -> new File(j).getName().startsWith("pytorch-native-")).toList();
        assertEquals(1, natives.size(), "one natives jar: " + natives);
        String flavor;
        try (JarFile jar = new JarFile(natives.get(0))) {
            Properties p = new Properties();
            p.load(jar.getInputStream(jar.getEntry("native/lib/pytorch.properties")));
            assertEquals(platform, p.getProperty("classifier"), natives.get(0));
            flavor = p.getProperty("flavor");
            assertTrue(jar.stream().allMatch(e -> e.isDirectory() || !e.getName().startsWith("pytorch/")
                    || e.getName().startsWith("pytorch/" + flavor + "/" + platform + "/")), "only " + platform + " in " + natives.get(0));
        }
        String jni = classpath.stream().filter(j -> new File(j).getName().startsWith("pytorch-jni-")).findFirst().orElseThrow();
        try (JarFile jar = new JarFile(jni)) {
            String dir = "jnilib/" + platform + "/" + flavor + "/";
            assertTrue(jar.stream().anyMatch(e -> !e.isDirectory() && e.getName().startsWith(dir)), dir + " in " + jni);
        }
        return new File(natives.get(0)).getName();
    }

    @Test
    void withoutFlagsTheBuildCarriesThisMachinesNatives() throws Exception {
        String here = Natives.platform();
        assertEquals("pytorch-native-cpu-2.7.1-" + here + ".jar", nativesFor(classpath(""), here));
    }

    @Test
    void anArmLinuxMachineGetsItsNatives() throws Exception {
        assertEquals("ai.djl.pytorch:pytorch-native-cpu:jar:linux-aarch64:2.7.1",
                nativesIn(tree("-Dos.name=Linux -Dos.arch=aarch64"), "linux-aarch64"));
    }

    @Test
    void anAppleSiliconMacGetsItsNatives() throws Exception {
        assertEquals("ai.djl.pytorch:pytorch-native-cpu:jar:osx-aarch64:2.7.1",
                nativesIn(tree("-Dos.name=MacOS -Dos.arch=aarch64"), "osx-aarch64"));
    }

    @Test
    void anyPlatformCanBeAskedForByName() throws Exception {
        assertEquals("ai.djl.pytorch:pytorch-native-cpu:jar:win-x86_64:2.7.1",
                nativesIn(tree("", "-Dgroksweep.platform=win-x86_64"), "win-x86_64"));
        assertEquals("ai.djl.pytorch:pytorch-native-cpu:jar:linux-x86_64:2.7.1", nativesIn(
                tree("-Dos.name=MacOS -Dos.arch=aarch64", "-Dgroksweep.platform=linux-x86_64"), "linux-x86_64"),
                "a cluster jar built on a Mac");
    }

    @Test
    void anIntelMacIsToldInOneLineThatNoNativesExistForIt() throws Exception {
        Build b = maven("-Dos.name=MacOS -Dos.arch=x86_64", "-q", "validate");
        assertNotEquals(0, b.exit());
        assertTrue(b.output().contains("groksweep.platform: osx-x86_64 has no libtorch natives on Maven Central"), b.output());
    }

    @Test
    void theGpuBuildDeclaresCudaNativesWithTheDjlThatLoadsThem() throws Exception {
        List<String> deps = tree("", "-Pgpu");
        assertEquals(java.util.Set.of("ai.djl.pytorch:pytorch-engine:jar:0.33.0", "ai.djl:api:jar:0.33.0",
                "ai.djl.pytorch:pytorch-jni:jar:2.5.1-0.33.0", "ai.djl.pytorch:pytorch-native-cu124:jar:linux-x86_64:2.5.1"),
                java.util.Set.copyOf(deps), "the CUDA natives and the DJL that loads them, nothing of the default's");
    }

    /** The code compiles against the gpu build's DJL (its API differs from the default's in places: groksweep.worker.Torch). */
    @Test
    void theGpuBuildsDjlCompilesTheCode() throws Exception {
        Build b = maven("", "-q", "-Pgpu", "-pl", "trainer-worker", "-am", "compile"); // the natives are runtime's: not fetched
        assertEquals(0, b.exit(), b.output());
        assertTrue(Files.exists(copy.resolve("trainer-worker/target/classes/groksweep/worker/Torch.class")), b.output());
    }
}
