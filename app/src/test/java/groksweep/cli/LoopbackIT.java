package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Embedded Spark as the command line starts it listens on loopback only. An integration test: it
 * needs a session of its own (UI on), and the unit-test JVM shares one session with the UI off.
 */
class LoopbackIT {

    @Test
    void embeddedSparkListensOnLoopbackOnly() throws Exception {
        SparkSession spark = LocalSpark.builder("LoopbackIT", "local[2]", true).getOrCreate(); // UI on, too
        try {
            spark.range(10).count();
            List<String> listening = listeningAddresses();
            assertFalse(listening.isEmpty(), "the driver listens somewhere");
            for (String address : listening) {
                assertEquals(true, address.equals("127.0.0.1") || address.equals("::1"),
                        "listening on " + address + " (all: " + listening + ")");
            }
        } finally {
            spark.stop();
        }
    }

    /** Local addresses of this process's listening TCP sockets, from /proc. */
    static List<String> listeningAddresses() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
                    out.add(address(f[1].split(":")[0]));
                }
            }
        }
        return out;
    }

    /** /proc's little-endian hex address as text: 0100007F → 127.0.0.1. */
    static String address(String hex) {
        if (hex.length() == 8) {
            return Integer.parseInt(hex.substring(6, 8), 16) + "." + Integer.parseInt(hex.substring(4, 6), 16) + "."
                    + Integer.parseInt(hex.substring(2, 4), 16) + "." + Integer.parseInt(hex.substring(0, 2), 16);
        }
        if (hex.equals("00000000000000000000000001000000")) {
            return "::1";
        }
        if (hex.startsWith("0000000000000000FFFF0000")) {
            return address(hex.substring(24));
        }
        return hex.equals("00000000000000000000000000000000") ? "::" : hex;
    }
}
