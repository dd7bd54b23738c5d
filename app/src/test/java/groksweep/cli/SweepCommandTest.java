package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
        assertEquals(1 + 1 + 6 + 1, plan.strip().lines().count(), "summary, header, one row per run, estimate");
        assertTrue(plan.strip().lines().reduce((a, b) -> b).orElseThrow().matches("estimate: \\d+\\.\\d\\d core-hours, about"
                + " \\S+ on \\d+ task slots? \\(6 tasks\\); [12] of 2 run shapes timed on this machine in \\d+\\.\\d s"
                + "( \\([12] timed by an earlier sweep\\))?"), plan);
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

    @Test
    void aSearchDryRunSaysTheMostAndTheExpectedRunsAndWritesNothing() throws Exception {
        Path spec = Files.writeString(dir.resolve("search.yaml"), "name: s\noutput: " + dir.resolve("out")
                + "\ngrid:\n  seed: [0, 1]\ntrainer:\n  modulus: 11\n  steps: 60\nsearch:\n  axis: train_fraction\n"
                + "  range: [0.2, 0.8]\n  resolution: 0.05\n  outcome: memorised\n");
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            assertEquals(0, sweep(err, "sweep", spec.toString(), "--dry-run", "--master", "local[2]"), err.toString());
        } finally {
            System.setOut(old);
        }
        List<String> lines = out.toString().strip().lines().toList();
        assertTrue(lines.get(0).matches("sweep s \\(spec sha256 \\w+\\): 2 searches of train_fraction over \\[0.2, 0.8] by"
                + " 0.05 \\(13 points each\\) for memorised, output .*"), lines.get(0));
        double[] expected = groksweep.sweep.Bracket.expected(12, 1); // bisection, before any sharing
        assertTrue(lines.get(1).startsWith(String.format("search: at most 26 runs (the dense grid's); expected %.0f (%.1f per"
                + " search) when the outcome is monotone (bisection; a search whose siblings found theirs starts there and"
                + " needs fewer), on 2 task slots (each trains the next point of any search as soon as it is free); 0"
                + " committed runs already used", 2 * expected[0], expected[0])), lines.get(1));
        assertTrue(lines.get(2).matches("estimate: the search about \\S+ core-hours \\(" + Math.round(100 * expected[0] / 13)
                + "% of the dense grid's \\S+\\)"), lines.get(2));
        assertFalse(Files.exists(dir.resolve("out")), "a dry run writes nothing");
    }

    /**
     * The output deleted while the sweep runs: the sweep stops within a poll, with one line that
     * says so and what to do, exit 1, no trace on stderr.
     */
    @Test
    void anOutputDeletedMidSweepEndsInOneLine() throws Exception {
        Path out = dir.resolve("out");
        Path spec = Files.writeString(dir.resolve("s.yaml"), "name: s\noutput: " + out + "\ngrid:\n  seed: [0, 1, 2, 3, 4, 5]\n"
                + "trainer:\n  modulus: 23\n  steps: 1500\n  eval_every: 50\n  analysis_every: 0\n");
        StringWriter err = new StringWriter();
        int[] code = new int[1];
        Thread sweep = new Thread(() -> code[0] = sweep(err, "sweep", spec.toString(), "--master", "local[2]",
                "--no-analysis", "--live-report", "0"));
        sweep.start();
        Path runs = out.resolve("runs");
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (sweep.isAlive() && System.nanoTime() < deadline && !(Files.isDirectory(runs)
                && Files.list(runs).anyMatch(f -> f.toString().endsWith(".parquet")))) {
            Thread.sleep(100);
        }
        new ProcessBuilder("rm", "-rf", out.toString()).inheritIO().start().waitFor(); // a first run is committed: the output goes
        sweep.join();
        assertEquals(1, code[0], err.toString());
        String line = err.toString().strip();
        assertTrue(line.startsWith("error: the output " + out + " was deleted or moved while the sweep ran (the file"
                + " _output-token-"), line);
        assertTrue(line.matches("(?s).*is gone\\): rerun the same command to train again what was lost with it; \\d of 6"
                + " runs are committed and will be kept \\(full trace: .*\\)"), line);
        assertEquals(1, line.lines().count(), line);
    }

    /**
     * A sweep that leaves more than {@link groksweep.results.Compaction#WORTH_IT_RUNS} runs in files
     * of their own compacts them at its end; with --no-compact it leaves them.
     */
    @Test
    void aSweepLeavingManyRunsCompactsThem() throws Exception {
        Path out = dir.resolve("out");
        groksweep.results.ResultsStore store = new groksweep.results.ResultsStore(out.toString());
        groksweep.results.SyntheticResults.write(store, groksweep.results.Compaction.WORTH_IT_RUNS, 1, 20); // short runs: quick to write
        String spec = "name: s\noutput: " + out + "\ngrid:\n  seed: SEEDS\ntrainer:\n  modulus: 7\n  steps: 5\n";
        Path one = Files.writeString(dir.resolve("one.yaml"), spec.replace("SEEDS", "[0]"));
        Path two = Files.writeString(dir.resolve("two.yaml"), spec.replace("SEEDS", "[0, 1]"));
        StringWriter err = new StringWriter();
        assertEquals(0, sweep(err, "sweep", one.toString(), "--no-analysis", "--live-report", "0", "--no-compact"), err.toString());
        assertEquals(301, groksweep.results.Compaction.uncompactedRuns(store));
        assertEquals(0, sweep(err, "sweep", two.toString(), "--no-analysis", "--live-report", "0"), err.toString());
        assertEquals(0, groksweep.results.Compaction.uncompactedRuns(store), "302 runs in files of their own: compacted");
        assertEquals(302, store.runIds(groksweep.results.Tables.RUNS).size());
        assertEquals(2, sweep(err, "sweep", two.toString(), "--compact", "--no-compact"));
        assertTrue(err.toString().strip().endsWith("error: --compact, --no-compact: give one or neither"), err.toString());
    }

    /**
     * A committed run's metrics file truncated (a disk or copy fault): verify lists it (exit 1),
     * sweep --repair trains it again, and its rows come back exactly as they were.
     */
    @Test
    void aDamagedRunIsListedAndRepairedExactly() throws Exception {
        Path out = dir.resolve("out");
        Path spec = Files.writeString(dir.resolve("s.yaml"), "name: s\noutput: " + out + "\ngrid:\n  seed: [0, 1, 2]\n"
                + "trainer:\n  modulus: 11\n  steps: 60\n  eval_every: 10\n  analysis_every: 30\n");
        StringWriter err = new StringWriter();
        assertEquals(0, sweep(err, "sweep", spec.toString(), "--no-analysis", "--live-report", "0"), err.toString());
        groksweep.results.ResultsStore store = new groksweep.results.ResultsStore(out.toString());
        String victim = store.runIds(groksweep.results.Tables.RUNS).stream().sorted().findFirst().orElseThrow();
        Path file = out.resolve(groksweep.results.Layout.run(groksweep.results.Tables.METRICS, victim));
        List<groksweep.results.Row> before = store.read(groksweep.results.Tables.METRICS, victim);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
        Map<Path, String> untouched = new java.util.TreeMap<>(); // every other file: its bytes and time
        try (var files = Files.walk(out)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().contains(victim)).toList()) {
                untouched.put(f, java.util.Arrays.hashCode(Files.readAllBytes(f)) + "@" + Files.getLastModifiedTime(f).toMillis());
            }
        }

        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(printed, true));
        try {
            assertEquals(1, sweep(err, "verify", out.toString()));
        } finally {
            System.setOut(old);
        }
        List<String> lines = printed.toString().strip().lines().toList();
        assertTrue(lines.get(0).startsWith("damaged: run " + victim + ": file:" + file + ": cannot be read ("), lines.get(0));
        assertEquals("3 committed runs read, 1 damaged; 'groksweep sweep SPEC --repair' retrains them", lines.get(1));
        assertEquals(2, lines.size(), printed.toString());

        assertEquals(0, sweep(err, "sweep", spec.toString(), "--no-analysis", "--live-report", "0", "--repair"), err.toString());
        assertEquals(before, store.read(groksweep.results.Tables.METRICS, victim), "the same rows, trained again");
        for (Map.Entry<Path, String> e : untouched.entrySet()) {
            if (e.getKey().startsWith(out.resolve("sweeps")) || e.getKey().getFileName().toString().startsWith("_")) {
                continue; // the resolved spec is written again by every sweep; the token comes and goes
            }
            assertEquals(e.getValue(), java.util.Arrays.hashCode(Files.readAllBytes(e.getKey())) + "@"
                    + Files.getLastModifiedTime(e.getKey()).toMillis(), e.getKey() + ": an undamaged run's file is left alone");
        }
        assertEquals(0, sweep(err, "verify", out.toString()));
    }
}
