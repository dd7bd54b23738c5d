package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

class SweepCommandTest {
    @TempDir Path dir;

    int sweep(StringWriter err, String... args) {
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(err));
        cmd.getSubcommands().get("sweep").setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    @Test
    void anUnwritableOutputIsAOneLineErrorBeforeAnyTraining() throws Exception {
        Path blocker = Files.writeString(dir.resolve("a-file"), "x");
        Path spec = Files.writeString(dir.resolve("s.yaml"),
                "name: s\noutput: " + blocker.resolve("results") + "\ntrainer:\n  steps: 5\n");
        StringWriter err = new StringWriter();
        assertEquals(2, sweep(err, "sweep", spec.toString()));
        assertTrue(err.toString().startsWith("error: " + spec + ": output: '" + blocker.resolve("results")
                + "' cannot be written (Parent path is not a directory"), err.toString());
        assertEquals(1, err.toString().strip().lines().count());
        assertEquals("x", Files.readString(blocker));
    }

    @Test
    void aBadSpecWritesNothing() throws Exception {
        Path spec = Files.writeString(dir.resolve("bad.yaml"),
                "name: s\noutput: " + dir.resolve("out") + "\ngrid:\n  modulus: [7, 1]\n");
        StringWriter err = new StringWriter();
        assertEquals(2, sweep(err, "sweep", spec.toString()));
        assertEquals("error: " + spec + ": grid.modulus (line 4): '1' is not allowed; expected an integer from 3 to 46340 (p² pairs are indexed by a 32-bit integer)",
                err.toString().strip());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() throws Exception {
        Path spec = Files.writeString(dir.resolve("ok.yaml"),
                "name: s\noutput: " + dir.resolve("out") + "\ngrid:\n  seed: [0, 1, 2]\n  train_fraction: [0.3, 0.6]\n");
        StringWriter err = new StringWriter();
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true));
        try {
            assertEquals(0, sweep(err, "sweep", spec.toString(), "--dry-run"));
        } finally {
            System.setOut(old);
        }
        String plan = out.toString();
        assertTrue(plan.startsWith("sweep s (spec sha256 "), plan);
        assertTrue(plan.contains(": 6 runs, 6 to train (100% of the cost)"), plan);
        assertEquals(1 + 1 + 6, plan.strip().lines().count(), "summary, header, one row per run");
        assertTrue(plan.lines().skip(2).limit(3).allMatch(l -> l.contains("0.6")), "longest runs (fraction 0.6) first");
        assertFalse(Files.exists(dir.resolve("out")));

        out.reset();
        System.setOut(new java.io.PrintStream(out, true));
        try {
            assertEquals(0, sweep(err, "sweep", spec.toString(), "--dry-run", "--output", dir.resolve("elsewhere").toString()));
            assertEquals(2, sweep(err, "sweep", spec.toString(), "--dry-run", "--output", dir.resolve("a/../b").toString()));
        } finally {
            System.setOut(old);
        }
        assertTrue(out.toString().lines().findFirst().orElseThrow().endsWith("output " + dir.resolve("elsewhere")), out.toString());
        assertEquals("error: --output: '" + dir.resolve("a/../b") + "' is not allowed; expected a path without '..'",
                err.toString().strip());
        assertFalse(Files.exists(dir.resolve("elsewhere")), "a dry run writes nothing");
    }
}
