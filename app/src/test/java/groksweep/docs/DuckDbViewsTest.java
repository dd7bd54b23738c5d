package groksweep.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.analysis.Fixture;
import groksweep.results.Compaction;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.Table;
import groksweep.results.Tables;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * docs/duckdb-views.sql, as docs/PYTHON.md shows it, run in DuckDB over results that hold every
 * case the doc warns of: runs written by 0.1.0 beside runs with today's columns, metrics of a run
 * never committed, a compaction stopped in its grace period (per-run files beside the parts), then
 * finished, a run retrained after it, and a compaction killed before it published its manifest (its
 * parts beside those in use). Each time the views hold what groksweep's own reader
 * reads: the committed runs once each, with their rows.
 */
class DuckDbViewsTest {
    static final Path DOCS = Path.of("..", "docs");
    @TempDir Path dir;

    @Test
    void theDocShowsTheFileItRuns() throws Exception {
        String file = Files.readString(DOCS.resolve("duckdb-views.sql"));
        String statements = file.lines().filter(l -> !l.startsWith("--")).collect(Collectors.joining("\n")).strip();
        String doc = Files.readString(DOCS.resolve("PYTHON.md"));
        int from = doc.indexOf("```sql\n", doc.indexOf("<!-- duckdb-views:begin -->")) + "```sql\n".length();
        int to = doc.indexOf("```", from);
        assertEquals(statements, doc.substring(from, to).strip(), "docs/PYTHON.md shows docs/duckdb-views.sql");
    }

    @Test
    void theViewsHoldEachCommittedRunOnceThroughCompaction() throws Exception {
        try (Stream<Path> files = Files.walk(Path.of("..", "core", "src", "test", "resources", "results-v0.1.0"))) {
            Path legacy = Path.of("..", "core", "src", "test", "resources", "results-v0.1.0");
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(legacy.relativize(f).toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        ResultsStore store = new ResultsStore(dir.toString());
        Fixture fixture = new Fixture(dir.toString());
        fixture.run("new-a", Map.of("seed", 1, "optimizer", "sgd"), "ok",
                Fixture.at(0, 0.1, 0.0, 4.0), Fixture.at(100, 1.0, 0.5, 2.0), Fixture.at(200, 1.0, 1.0, 0.1));
        fixture.run("new-b", Map.of("seed", 2), "failed", Fixture.at(0, 0.1, 0.0, 4.0), Fixture.at(100, 0.5, 0.2, 3.0));
        store.write(Tables.METRICS, "uncommitted", List.of(Tables.METRICS.row().set("run_id", "uncommitted").set("step", 0)
                .set("train_loss", 1.0).set("train_acc", 0.0).set("test_loss", 1.0).set("test_acc", 0.0).set("lr", 1e-3)
                .set("weight_sq_sum", 1.0)));
        assertSameRuns(store, "per-run files of 0.1.0 and today, one never committed");

        assertThrows(IOException.class, () -> Compaction.compact(store, Duration.ZERO, stage -> {
            if (stage.equals("published")) {
                throw new IOException("stopped in the grace period");
            }
        }));
        assertTrue(Files.exists(dir.resolve("runs/new-a.parquet")), "per-run files beside the parts");
        assertSameRuns(store, "a compaction in its grace period");

        Compaction.compact(store, Duration.ZERO, Compaction.NO_STAGES);
        fixture.run("new-a", Map.of("seed", 1, "optimizer", "sgd"), "ok", Fixture.at(0, 0.1, 0.0, 4.0), Fixture.at(50, 1.0, 1.0, 0.1));
        fixture.run("new-c", Map.of("seed", 3), "ok", Fixture.at(0, 0.1, 0.0, 4.0));
        assertSameRuns(store, "parts, a run retrained after them and a new run");
        assertEquals(Map.of("new-a", 2L), rowsPerRun(duckDb(dir, "SELECT run_id FROM metrics WHERE run_id = 'new-a'")),
                "the retrained run's own rows win over the part's");

        String last = "part " + Tables.ALL.get(Tables.ALL.size() - 1).name();
        assertThrows(IOException.class, () -> Compaction.compact(store, Duration.ZERO, stage -> {
            if (stage.equals(last)) {
                throw new IOException("killed before publishing its manifest");
            }
        }));
        try (Stream<Path> parts = Files.list(dir.resolve("metrics"))) {
            assertEquals(2, parts.filter(f -> f.getFileName().toString().startsWith("part-")).count(),
                    "the killed compaction's part beside the part in use");
        }
        assertSameRuns(store, "a compaction killed before it published its manifest");
    }

    /** The views' runs, and rows per run in metrics and spectra, equal what groksweep reads. */
    static void assertSameRuns(ResultsStore store, String when) throws Exception {
        Set<String> committed = store.readAll(Tables.RUNS).stream().map(r -> r.getString("run_id")).collect(Collectors.toSet());
        Path root = Path.of(store.root().toUri());
        assertEquals(new TreeMap<>(committed.stream().collect(Collectors.toMap(id -> id, id -> 1L))),
                rowsPerRun(duckDb(root, "SELECT run_id FROM runs")), when + ": runs");
        for (Table t : List.of(Tables.METRICS, Tables.SPECTRA)) {
            Map<String, Long> expected = store.readAll(t).stream().map(r -> r.getString("run_id")).filter(committed::contains)
                    .collect(Collectors.groupingBy(id -> id, TreeMap::new, Collectors.counting()));
            assertEquals(expected, rowsPerRun(duckDb(root, "SELECT run_id FROM " + t.name())), when + ": " + t.name());
        }
    }

    /** The run ids a query over the views returns, counted. */
    static Map<String, Long> rowsPerRun(List<String> runIds) {
        return runIds.stream().collect(Collectors.groupingBy(id -> id, TreeMap::new, Collectors.counting()));
    }

    /** The first column of {@code query} after running docs/duckdb-views.sql over {@code root} in a fresh DuckDB. */
    static List<String> duckDb(Path root, String query) throws Exception {
        String views = Files.readString(DOCS.resolve("duckdb-views.sql")).replace("RESULTS", root.toString());
        try (Connection con = DriverManager.getConnection("jdbc:duckdb:"); Statement s = con.createStatement()) {
            for (String statement : views.split(";\n")) {
                if (statement.lines().anyMatch(l -> !l.isBlank() && !l.startsWith("--"))) {
                    s.execute(statement);
                }
            }
            List<String> out = new java.util.ArrayList<>();
            try (ResultSet r = s.executeQuery(query)) {
                while (r.next()) {
                    out.add(r.getString(1));
                }
            }
            return out;
        }
    }
}
