package groksweep.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import groksweep.cli.Main;
import groksweep.results.ResultsStore;
import groksweep.results.Tables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

/**
 * docs/PYTHON.md's snippets, run as written against a real small sweep (two runs at p = 7,
 * analysed): each Python block in a fresh {@code python3} (its {@code results} pointed at the
 * sweep), the {@code groksweep sql} line that feeds the plot run in-process. A block whose
 * packages are absent is skipped with one line naming them; each block that runs must print or
 * draw what it promises.
 */
class PythonDocsTest {
    static final Path ROOT = Path.of(System.getProperty("groksweep.root"));
    static final String PYTHON = System.getenv().getOrDefault("GROKSWEEP_PYTHON", "/usr/bin/python3");

    @TempDir Path dir;

    /** A block of the doc: its kind ({@code python} or none) and its text. */
    record Block(String kind, String text) {
        Set<String> imports() {
            Set<String> out = new LinkedHashSet<>();
            Matcher m = Pattern.compile("(?m)^(?:import|from) (\\w+)").matcher(text);
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }
    }

    static List<Block> blocks() throws Exception {
        List<Block> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?s)```(\\w*)\\n(.*?)```").matcher(Files.readString(ROOT.resolve("docs/PYTHON.md")));
        while (m.find()) {
            out.add(new Block(m.group(1), m.group(2)));
        }
        return out;
    }

    @Test
    void theSnippetsRunAgainstARealSweep() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), "skipped: docs/PYTHON.md's snippets need " + PYTHON);
        Path results = dir.resolve("results");
        Path spec = Files.writeString(dir.resolve("s.yaml"), "name: s\noutput: " + results + "\ngrid:\n  seed: [0, 1]\n"
                + "trainer:\n  modulus: 7\n  steps: 200\n  eval_every: 10\n  analysis_every: 100\n");
        assertEquals(0, quietly(() -> Main.commandLine().execute("sweep", spec.toString(), "--no-analysis", "--live-report", "0")));
        assertEquals(0, quietly(() -> Main.commandLine().execute("analyze", results.toString(), "--no-report")));
        Set<String> runs = new ResultsStore(results.toString()).runIds(Tables.RUNS);
        assertEquals(2, runs.size());

        Path work = Files.createDirectories(dir.resolve("work"));
        Files.createSymbolicLink(work.resolve("docs"), ROOT.resolve("docs")); // the snippets open docs/duckdb-views.sql
        Map<String, Boolean> available = new HashMap<>();
        List<String> ran = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Block b : blocks()) {
            if (b.text().contains("bin/groksweep sql") && b.text().contains("> curves.csv")) {
                sqlToCsv(b.text(), results, work.resolve("curves.csv"));
                continue;
            }
            if (!b.kind().equals("python")) {
                continue;
            }
            List<String> missing = b.imports().stream()
                    .filter(mod -> !available.computeIfAbsent(mod, PythonDocsTest::importable)).toList();
            String first = b.text().lines().findFirst().orElse("");
            if (!missing.isEmpty()) {
                skipped.add(first + " (needs " + String.join(", ", missing) + ")");
                continue;
            }
            String code = b.text().replace("results = \"results/laptop\"", "results = \"" + results + "\"");
            String out = python(work, code);
            ran.add(first);
            if (code.contains("duckdb.connect()")) {
                for (String id : runs) {
                    assertTrue(out.contains(id), "the DuckDB snippet lists run " + id + ":\n" + out);
                }
            } else if (code.contains("onsets.csv")) {
                assertTrue(out.contains("memorised_step") && out.contains("phase"), out);
                for (String id : runs) {
                    assertTrue(out.contains(id), "the CSV snippet lists run " + id + ":\n" + out);
                }
            } else if (code.contains("savefig")) {
                var image = ImageIO.read(work.resolve("test-accuracy.png").toFile());
                assertEquals(700, image.getWidth(), "7 inches at 100 dpi");
                assertEquals(400, image.getHeight());
            } else if (code.contains("np.load")) {
                assertTrue(out.matches("(?s).*: p = 7, \\d+ training pairs, W_E \\(128, 8\\)\\s*"),
                        "p decoded from the transformer's W_U, beside \"=\": " + out);
            }
        }
        skipped.forEach(s -> System.out.println("docs/PYTHON.md: skipped " + s + "; install them to run it"));
        assumeTrue(!ran.isEmpty(), "skipped: no snippet of docs/PYTHON.md could run: " + skipped);
    }

    /** Runs the doc's {@code groksweep sql ... > curves.csv} line in-process against {@code results}. */
    static void sqlToCsv(String block, Path results, Path csv) throws Exception {
        String line = block.lines().filter(l -> l.contains("bin/groksweep sql")).findFirst().orElseThrow();
        List<String> args = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line.substring(line.indexOf("bin/groksweep") + 13,
                line.lastIndexOf('>')));
        while (m.find()) {
            args.add(m.group(1) != null ? m.group(1) : m.group(2).replace("results/laptop", results.toString()));
        }
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.commandLine().execute(args.toArray(String[]::new)), line);
        } finally {
            System.setOut(stdout);
        }
        Files.writeString(csv, printed.toString(StandardCharsets.UTF_8));
        assertEquals(2 * 21 + 1, Files.readAllLines(csv).size(), "header and 21 steps of each run in " + csv);
    }

    static boolean importable(String module) {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs {@code code} in a fresh Python in {@code work}; returns what it printed, asserting it ended well. */
    static String python(Path work, String code) throws Exception {
        Path script = Files.writeString(work.resolve("snippet.py"), code);
        Process p = new ProcessBuilder(PYTHON, script.toString()).directory(work.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the snippet ended");
        assertEquals(0, p.exitValue(), code.lines().findFirst().orElse("") + "...:\n" + out);
        return out;
    }

    private static int quietly(java.util.concurrent.Callable<Integer> command) throws Exception {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            return command.call();
        } finally {
            System.setOut(stdout);
        }
    }
}
