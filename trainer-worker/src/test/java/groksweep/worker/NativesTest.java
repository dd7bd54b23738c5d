package groksweep.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

class NativesTest {
    static final Natives.Bundled CPU = new Natives.Bundled("2.7.1-20250812", "cpu", "linux-x86_64", List.of("libtorch.so"));
    static final Natives.Bundled CUDA = new Natives.Bundled("2.5.1-20241113", "cu124", "linux-x86_64", List.of("libtorch.so"));

    /** Java's os.name and os.arch as each platform's JVMs report them. */
    @Test
    void eachLaptopAndServerPlatformIsNamedAsMavenCentralsNatives() {
        assertEquals("linux-x86_64", Natives.platform("Linux", "amd64"));
        assertEquals("linux-aarch64", Natives.platform("Linux", "aarch64"));
        assertEquals("osx-aarch64", Natives.platform("Mac OS X", "aarch64"));
        assertEquals("win-x86_64", Natives.platform("Windows 11", "amd64"));
        assertEquals("win-x86_64", Natives.platform("Windows Server 2022", "amd64"));
    }

    @Test
    void aPlatformWithoutNativesIsOneLineNamingItAndThoseThatHaveThem() {
        ConfigException intelMac = assertThrows(ConfigException.class, () -> Natives.platform("Mac OS X", "x86_64"));
        assertEquals("platform: 'Mac OS X x86_64' is not allowed; expected linux-x86_64, linux-aarch64, osx-aarch64,"
                + " win-x86_64: libtorch's natives on Maven Central are built for these only (none for Intel Macs"
                + " since libtorch 2.3)", intelMac.getMessage());
        assertThrows(ConfigException.class, () -> Natives.platform("FreeBSD", "amd64"));
        assertThrows(ConfigException.class, () -> Natives.platform("Linux", "ppc64le"));
    }

    @Test
    void theBuildsNativesAreThisMachinesOrTheRunStopsInOneLine() {
        Natives.check(Optional.of(CPU), "linux-x86_64");
        ConfigException other = assertThrows(ConfigException.class, () -> Natives.check(Optional.of(CPU), "osx-aarch64"));
        assertEquals("libtorch: this build carries natives for linux-x86_64 (libtorch 2.7.1-20250812, cpu) and this"
                + " machine is osx-aarch64; build on this machine (mvn -DskipTests package picks its natives) or for it"
                + " with mvn -Dgroksweep.platform=osx-aarch64 -DskipTests package", other.getMessage());
        ConfigException none = assertThrows(ConfigException.class, () -> Natives.check(Optional.empty(), "linux-x86_64"));
        assertTrue(none.getMessage().startsWith("libtorch: no natives on the classpath"), none.getMessage());
    }

    /** The test JVM runs what the build picked for this machine. */
    @Test
    void theClasspathCarriesThisMachinesNatives() {
        Natives.Bundled here = Natives.bundled().orElseThrow();
        assertEquals(Natives.platform(), here.platform());
        assertTrue(here.libraries().contains(System.mapLibraryName("torch")), here.libraries().toString());
    }

    @Test
    void aCudaBuildIsToldItsOwnFlavorOnlyWhereNoGpuIsSeenAndNoFlavorWasChosen() {
        assertEquals(Optional.of("cu124"), Natives.cpuFlavorOverride(Optional.of(CUDA), 0, null));
        assertEquals(Optional.of("cu124"), Natives.cpuFlavorOverride(Optional.of(CUDA), 0, ""));
        assertEquals(Optional.empty(), Natives.cpuFlavorOverride(Optional.of(CUDA), 1, null), "DJL picks CUDA itself");
        assertEquals(Optional.empty(), Natives.cpuFlavorOverride(Optional.of(CUDA), 0, "cpu"), "the user's choice stands");
        assertEquals(Optional.empty(), Natives.cpuFlavorOverride(Optional.of(CPU), 0, null));
        assertEquals(Optional.empty(), Natives.cpuFlavorOverride(Optional.empty(), 0, null));
    }

    /** Unpacking uses DJL's own layout; here with the CPU jar on the classpath, as a CUDA jar would be. */
    @Test
    void unpackingPutsEveryLibraryWhereDjlLooksForTheFlavorAndOnlyOnce(@TempDir Path cache) throws Exception {
        Natives.Bundled here = Natives.bundled().orElseThrow();
        Natives.unpack(here, "2.7.1", cache);
        Path dir = cache.resolve("2.7.1-" + here.flavor() + "-" + here.platform());
        for (String library : here.libraries()) {
            assertTrue(Files.size(dir.resolve(library)) > 0, library);
        }
        try (var entries = Files.list(cache)) {
            assertEquals(List.of(dir), entries.toList(), "no temporary directory left");
        }
        Path first = dir.resolve(here.libraries().get(0));
        Files.writeString(first, "kept"); // a second unpack must leave what is there as it is
        Natives.unpack(here, "2.7.1", cache);
        assertEquals("kept", Files.readString(first));
        assertFalse(Files.exists(cache.resolve("2.7.1-cu124-linux-x86_64")));
    }
}
