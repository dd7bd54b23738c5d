package groksweep.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.bench.BenchCommand;
import groksweep.cli.Main;
import groksweep.sweep.SweepSpec;
import groksweep.analysis.Jobs;
import groksweep.analysis.Results;
import groksweep.config.TrainConfig;
import groksweep.results.Onsets;

import org.apache.spark.sql.SparkSession;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The docs name only what exists, checked against the code rather than a list kept by hand: every
 * relative link resolves (to a file, and to a heading where it names one); every command line in
 * a code block ({@code bin/groksweep ...}, {@code groksweep ...}, and spark-submit's lines of the
 * two jars) parses with the real picocli model, its subcommands and flags; every shipped spec a
 * doc names exists and parses; every spec in a yaml block parses (its keys and trainer options).
 */
class DocsTest {
    static final Path ROOT = Path.of(System.getProperty("groksweep.root"));

    /** The docs: the README, CONTRIBUTING, the changelog and docs/. */
    static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CONTRIBUTING.md"),
                ROOT.resolve("CHANGELOG.md")));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    /** A Markdown link or image, or an HTML {@code src}/{@code href}: the target is group 1 or 2. */
    static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)|(?:src|href)=\"([^\"]+)\"");

    @Test
    void everyRelativeLinkResolvesToAFileAndItsHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1) != null ? m.group(1) : m.group(2);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path to = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(to)) {
                    broken.add(ROOT.relativize(doc) + ": " + target + " (no " + ROOT.relativize(to) + ")");
                } else if (anchor != null && to.toString().endsWith(".md") && !anchors(to).contains(anchor)) {
                    broken.add(ROOT.relativize(doc) + ": " + target + " (no heading #" + anchor + " in " + ROOT.relativize(to) + ")");
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    /** The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as hyphens. */
    static Set<String> anchors(Path doc) throws IOException {
        Set<String> out = new HashSet<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(doc)) {
            fenced ^= line.startsWith("```");
            if (!fenced && line.startsWith("#")) {
                String text = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
                out.add(text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return out;
    }

    /** A command line found in a doc: where, and its words after the program. */
    record Command(String where, String program, List<String> args) {}

    /** The command lines of the docs' code blocks, continuation lines joined, comments and prompts dropped. */
    static List<Command> commands() throws IOException {
        List<Command> out = new ArrayList<>();
        for (Path doc : docs()) {
            if (doc.getFileName().toString().equals("CHANGELOG.md")) {
                continue; // history: the lines of its time
            }
            List<String> lines = Files.readAllLines(doc);
            boolean fenced = false;
            String pending = "";
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.startsWith("```")) {
                    fenced = !fenced;
                    pending = "";
                    continue;
                }
                if (!fenced) {
                    continue;
                }
                String joined = pending + line.strip();
                if (joined.endsWith("\\")) {
                    pending = joined.substring(0, joined.length() - 1) + " ";
                    continue;
                }
                if (joined.replace("\\\"", "").chars().filter(ch -> ch == '"').count() % 2 == 1) {
                    pending = joined + " "; // a quoted argument (a query) goes on
                    continue;
                }
                pending = "";
                Command c = command(ROOT.relativize(doc) + ":" + (i + 1), joined);
                if (c != null) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** The groksweep command in a shell line, or null if it has none. */
    static Command command(String where, String line) {
        String text = line.replaceFirst("^\\$\\s+", "").replaceFirst("\\s+#\\s.*$", "");
        List<String> words = words(text);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("bin/groksweep") || w.endsWith("/bin/groksweep") || (i == 0 && w.equals("groksweep"))) {
                return new Command(where, "groksweep", words.subList(i + 1, words.size()));
            }
            if (w.endsWith("groksweep-spark.jar") && i > 0) {
                return new Command(where, "groksweep-spark.jar", words.subList(i + 1, words.size()));
            }
            if (w.endsWith("groksweep-analysis.jar") && i > 0) {
                return new Command(where, "groksweep-analysis.jar", words.subList(i + 1, words.size()));
            }
        }
        return null;
    }

    /** Shell words: spaces split them, quotes group them; stops at a pipe, a redirection or '&&'. */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(text);
        while (m.find()) {
            String w = m.group(1) != null ? m.group(1).replace("\\`", "`").replace("\\$", "$")
                    : m.group(2) != null ? m.group(2) : m.group(3);
            if (m.group(3) != null && (w.equals("|") || w.equals("&&") || w.equals(";") || w.startsWith(">") || w.equals("&"))) {
                break;
            }
            out.add(w);
        }
        return out;
    }

    @Test
    void everyCommandLineParsesWithItsSubcommandsAndFlags() throws IOException {
        List<Command> found = commands();
        assertTrue(found.size() >= 40, found.size() + " command lines found");
        List<String> failures = new ArrayList<>();
        for (Command c : found) {
            if (c.args().isEmpty()) {
                continue;
            }
            CommandLine cli;
            List<String> args = c.args();
            if (c.program().equals("groksweep") && args.get(0).equals("bench")) {
                cli = new CommandLine(new BenchCommand());
                args = args.subList(1, args.size());
            } else if (c.program().equals("groksweep-analysis.jar")) {
                cli = groksweep.cli.AnalysisMain.commandLine();
            } else {
                cli = Main.commandLine();
            }
            try {
                CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
                boolean bench = c.program().equals("groksweep") && c.args().get(0).equals("bench");
                if (!bench && parsed.subcommand() == null && !args.get(0).startsWith("-")) {
                    failures.add(c.where() + ": " + String.join(" ", c.args()) + ": no such command");
                }
            } catch (CommandLine.ParameterException e) {
                failures.add(c.where() + ": " + c.program() + " " + String.join(" ", c.args()) + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    static final Pattern SPEC = Pattern.compile("conf/sweeps/[\\w.-]+\\.yaml");

    @Test
    void everySpecNamedExistsAndParses() throws IOException {
        List<String> failures = new ArrayList<>();
        Set<String> named = new java.util.TreeSet<>();
        for (Path doc : docs()) {
            Matcher m = SPEC.matcher(Files.readString(doc));
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertTrue(named.size() >= 10, named.toString());
        for (String spec : named) {
            Path file = ROOT.resolve(spec);
            if (!Files.exists(file)) {
                failures.add(spec + ": no such file");
                continue;
            }
            try {
                SweepSpec.parse(Files.readString(file));
            } catch (RuntimeException e) {
                failures.add(spec + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }

    /** The README promises every shipped spec says in its header what it costs; each does, and parses. */
    @Test
    void everyShippedSpecParsesAndStatesItsCost() throws IOException {
        List<String> failures = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("conf/sweeps"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                String text = Files.readString(f);
                if (!text.matches("(?s)(.*\\n)?# Cost\\b.*")) {
                    failures.add(ROOT.relativize(f) + ": no '# Cost' line in its header");
                }
                try {
                    SweepSpec.parse(text);
                } catch (RuntimeException e) {
                    failures.add(ROOT.relativize(f) + ": " + e.getMessage());
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    /** The README shows the laptop spec as shipped, header and all. */
    @Test
    void theReadmesLaptopSpecIsTheShippedFile() throws IOException {
        Matcher m = Pattern.compile("(?s)```yaml\\n(# The laptop sweep.*?)```").matcher(Files.readString(ROOT.resolve("README.md")));
        assertTrue(m.find(), "the README shows conf/sweeps/laptop.yaml");
        assertEquals(Files.readString(ROOT.resolve("conf/sweeps/laptop.yaml")), m.group(1));
    }

    /** Every spec written out in a yaml block (a name, and a grid, trainer or search) parses: its keys and options exist. */
    @Test
    void everySpecInAYamlBlockParses() throws IOException {
        List<String> failures = new ArrayList<>();
        int specs = 0;
        for (Path doc : docs()) {
            if (doc.getFileName().toString().equals("CHANGELOG.md")) {
                continue;
            }
            Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(doc));
            while (m.find()) {
                String yaml = m.group(1);
                if (!yaml.matches("(?s)(.*\\n)?name: .*") || !yaml.matches("(?s).*\\n(grid|trainer|search):.*")) {
                    continue; // a fragment, not a spec
                }
                specs++;
                try {
                    SweepSpec.parse(yaml.contains("\noutput:") || yaml.startsWith("output:") ? yaml : yaml + "output: /tmp/docs\n");
                } catch (RuntimeException e) {
                    failures.add(ROOT.relativize(doc) + ": " + yaml.lines().findFirst().orElse("") + "...: " + e.getMessage());
                }
            }
        }
        assertTrue(specs >= 2, specs + " specs in yaml blocks");
        assertEquals(List.of(), failures);
    }

    /** The queries of the docs' {@code groksweep sql} lines, as written. */
    static List<Command> queries() throws IOException {
        return commands().stream().filter(c -> c.args().size() >= 3 && c.args().get(0).equals("sql"))
                .map(c -> new Command(c.where(), c.program(), List.of(c.args().get(c.args().size() - 1))))
                .filter(c -> c.args().get(0).matches("(?is)\\s*(SELECT|WITH)\\b.*")).toList();
    }

    /**
     * Every view, table and column the docs name is one the results have: each query of a
     * {@code groksweep sql} line is analysed by Spark against the views a sweep's results open with
     * (the raw tables and every derived view, over synthetic runs), and every snake_case name in
     * backticks is a view, a column of one, a trainer option or a spec key, a name the project's
     * code uses (its Java and its PyTorch reference: a checkpoint's arrays, a status, a function),
     * or one the doc defines in a code block of its own (a Python variable).
     */
    @Test
    void everyQueryViewColumnAndOptionNamedIsTheCodes(@org.junit.jupiter.api.io.TempDir Path results) throws Exception {
        groksweep.results.SyntheticResults.write(new groksweep.results.ResultsStore(results.toString()), 4, 1, 200);
        SparkSession spark = SparkSession.builder().appName("docs").master("local[1]")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", false).getOrCreate();
        try {
            Results.open(spark, results.toString());
            Jobs.all(spark, Onsets.Thresholds.defaults());
            List<String> failures = new ArrayList<>();
            List<Command> queries = queries();
            assertTrue(queries.size() >= 10, queries.size() + " queries found");
            for (Command q : queries) {
                try {
                    spark.sql(q.args().get(0)).schema(); // analysed, not run
                } catch (Exception e) { // Spark's AnalysisException, undeclared
                    failures.add(q.where() + ": " + e.getMessage().strip().lines().findFirst().orElse(e.toString()));
                }
            }
            Set<String> known = new HashSet<>(TrainConfig.keys());
            known.addAll(SweepSpec.KEYS);
            known.addAll(codeNames());
            for (var t : spark.catalog().listTables().collectAsList()) {
                known.add(t.name());
                for (String column : spark.table(t.name()).columns()) {
                    known.add(column);
                }
            }
            for (Path doc : docs()) {
                if (doc.getFileName().toString().equals("CHANGELOG.md")) {
                    continue;
                }
                String text = Files.readString(doc);
                Matcher m = Pattern.compile("`([a-z]+(?:_[a-z0-9]+)+)`").matcher(prose(text));
                while (m.find()) {
                    String name = m.group(1);
                    if (!known.contains(name) && !code(text).contains(name)) {
                        failures.add(ROOT.relativize(doc) + ": `" + name + "` is no view, column, option or spec key");
                    }
                }
            }
            assertEquals(List.of(), failures);
        } finally {
            spark.stop();
        }
    }

    /** The snake_case names in the project's main Java sources and its PyTorch reference. */
    static Set<String> codeNames() throws IOException {
        Set<String> out = new HashSet<>();
        Pattern name = Pattern.compile("[a-z]+(?:_[a-z0-9]+)+");
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(f -> f.toString().matches(".*/src/main/java/.*\\.java|.*/bench/reference/[^/]*\\.py"))
                    .toList()) {
                name.matcher(Files.readString(f)).results().forEach(r -> out.add(r.group()));
            }
        }
        return out;
    }

    /** A doc without its fenced code blocks. */
    static String prose(String text) {
        return text.replaceAll("(?s)```.*?```", "");
    }

    /** A doc's fenced code blocks, where it defines names of its own (Python variables, arrays it saves). */
    static String code(String text) {
        StringBuilder out = new StringBuilder();
        Matcher m = Pattern.compile("(?s)```.*?```").matcher(text);
        while (m.find()) {
            out.append(m.group()).append('\n');
        }
        return out.toString();
    }
}
