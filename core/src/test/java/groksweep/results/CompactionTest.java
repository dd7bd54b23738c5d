package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

class CompactionTest {
    @TempDir Path dir;

    /** Every committed run once in each table, with all its rows. */
    private static Map<String, Map<String, Integer>> contents(ResultsStore store) throws IOException {
        Compaction.Snapshot snap = Compaction.snapshot(store);
        Map<String, Map<String, Integer>> out = new HashMap<>();
        for (Table t : Tables.ALL) {
            out.put(t.name(), Compaction.rowsPerRun(store, snap, t));
        }
        return out;
    }

    private static long perRunFiles(ResultsStore store) throws IOException {
        long n = 0;
        for (Table t : Tables.ALL) {
            n += Compaction.list(store, t).stream().filter(f -> Compaction.runOf(f.getPath()) != null).count();
        }
        return n;
    }

    private static long parts(ResultsStore store) throws IOException {
        long n = 0;
        for (Table t : Tables.ALL) {
            n += Compaction.list(store, t).stream().filter(f -> Compaction.runOf(f.getPath()) == null).count();
        }
        return n;
    }

    /** Steps of the synthetic runs where their length does not matter: fewer rows, quicker to write and read. */
    static final int SHORT = 200;

    @Test
    void compactionMergesEveryRunIntoOneSortedPartPerTable() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        List<String> ids = SyntheticResults.write(store, 24, 3);
        Map<String, Map<String, Integer>> before = contents(store);
        assertEquals(24, before.get("runs").size());
        assertEquals(201, before.get("metrics").get(ids.get(0)), "201 evaluated steps per run");

        Compaction.Report report = Compaction.compact(store, Duration.ZERO, Compaction.NO_STAGES);

        assertEquals(24, report.runs());
        assertEquals(3, report.partsWritten());
        assertEquals(0, perRunFiles(store), "the per-run files are gone");
        assertEquals(3, parts(store));
        assertEquals(before, contents(store), "every run once, every row kept");
        assertEquals(Set.copyOf(ids), store.runIds(Tables.RUNS), "a resumed sweep still knows what is committed");
        Path part = Path.of(Compaction.snapshot(store).files(Tables.METRICS).get(0).toUri());
        List<Row> rows = store.readFile(Tables.METRICS, new org.apache.hadoop.fs.Path(part.toUri()));
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing((Row r) -> (String) r.get("run_id")).thenComparing(r -> r.getInt("step")));
        assertEquals(sorted, rows, "sorted by run and step");

        SyntheticResults.write(store, 30, 3); // six more runs, as a resumed sweep would add
        Compaction.compact(store, Duration.ZERO, Compaction.NO_STAGES);
        assertEquals(30, contents(store).get("runs").size());
        assertEquals(3, parts(store), "the old parts are replaced, not kept beside the new");
        assertEquals(0, perRunFiles(store));
    }

    /**
     * A compaction killed at any point leaves every run readable exactly once, and the next
     * compaction finishes the job: one part per table, no per-run files, nothing lost.
     */
    @Test
    void aCompactionKilledAtAnyPointLosesNothingAndDuplicatesNothing() throws Exception {
        List<String> stages = new ArrayList<>();
        ResultsStore probe = new ResultsStore(dir.resolve("probe").toString());
        SyntheticResults.write(probe, 6, 5, SHORT);
        Compaction.compact(probe, Duration.ZERO, stages::add);
        assertTrue(stages.size() >= 4 + 18, "parts, publish and 18 deletions: " + stages);

        for (int kill = 0; kill < stages.size(); kill++) {
            ResultsStore store = new ResultsStore(dir.resolve("kill" + kill).toString());
            SyntheticResults.write(store, 6, 5, SHORT);
            Map<String, Map<String, Integer>> expected = contents(store);
            AtomicInteger reached = new AtomicInteger();
            int at = kill;
            assertThrows(IOException.class, () -> Compaction.compact(store, Duration.ZERO, s -> {
                if (reached.getAndIncrement() == at) {
                    throw new IOException("killed at " + s);
                }
            }));
            assertEquals(expected, contents(store), "after a kill at " + stages.get(kill));
            Compaction.compact(store, Duration.ZERO, Compaction.NO_STAGES);
            assertEquals(expected, contents(store), "after the rerun, killed at " + stages.get(kill));
            assertEquals(0, perRunFiles(store));
            assertEquals(3, parts(store), "no part of the killed compaction is left");
        }
    }

    /**
     * A reader that reads everything again and again while compactions run and a sweep commits
     * more runs (and writes the earlier ones again, as a retried task would) sees each committed
     * run exactly once, with all its rows, every time. A read that outlasts the grace finds a file
     * gone and reads again.
     */
    @Test
    void aReaderDuringCompactionSeesEveryRunOnce() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        SyntheticResults.write(store, 20, 9, SHORT);
        int rowsPerRun = SHORT / SyntheticResults.EVAL_EVERY + 1;
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> problem = new AtomicReference<>();
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger retries = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try {
                while (!done.get() && problem.get() == null) {
                    ResultsStore view = new ResultsStore(dir.toString());
                    Map<String, Map<String, Integer>> seen;
                    try {
                        seen = contents(view);
                    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
                        // slower than the grace: read again, as readers must (Hadoop's local file
                        // system reports a vanished file either way, depending on where it notices)
                        retries.incrementAndGet();
                        continue;
                    }
                    for (Map.Entry<String, Integer> e : seen.get("metrics").entrySet()) {
                        if (seen.get("runs").containsKey(e.getKey()) && e.getValue() != rowsPerRun) {
                            problem.set("run " + e.getKey() + " read with " + e.getValue() + " metric rows");
                        }
                    }
                    for (Map.Entry<String, Integer> e : seen.get("runs").entrySet()) {
                        if (e.getValue() != 1) {
                            problem.set("run " + e.getKey() + " read " + e.getValue() + " times");
                        }
                    }
                    if (seen.get("runs").size() < 20) {
                        problem.set("only " + seen.get("runs").size() + " runs read");
                    }
                    reads.incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                problem.set(e.toString());
            }
        });
        reader.start();
        for (int round = 1; round <= 4; round++) {
            SyntheticResults.write(store, 20 + 5 * round, 9, SHORT); // a sweep commits more runs meanwhile
            Compaction.compact(store, Duration.ofSeconds(2), Compaction.NO_STAGES); // longer than one read
        }
        done.set(true);
        reader.join();
        assertNull(problem.get());
        assertTrue(reads.get() >= 4, "the reader read " + reads.get() + " times");
        assertTrue(retries.get() <= reads.get(), retries + " reads outlasted the grace, of " + reads);
        assertEquals(40, contents(store).get("runs").size());
    }

    /** A run written again after it was compacted (retrained) is read from its new files, once. */
    @Test
    void aRunWrittenAgainAfterCompactionIsReadFromItsNewFiles() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        List<String> ids = SyntheticResults.write(store, 5, 1);
        Compaction.compact(store, Duration.ZERO, Compaction.NO_STAGES);
        String id = ids.get(2);
        List<Row> fewer = store.readAll(Tables.METRICS).stream().filter(r -> id.equals(r.get("run_id")))
                .limit(7).toList();
        store.write(Tables.METRICS, id, fewer);
        Row run = store.readAll(Tables.RUNS).stream().filter(r -> id.equals(r.get("run_id"))).findFirst().orElseThrow();
        store.write(Tables.RUNS, id, List.of(run)); // committed again, last, as a sweep does

        assertEquals(7, contents(store).get("metrics").get(id), "the new rows, not the part's");
        assertEquals(1, contents(store).get("runs").get(id));
        Compaction.compact(store, Duration.ZERO, Compaction.NO_STAGES);
        assertEquals(7, contents(store).get("metrics").get(id), "merged into the new part");
        assertEquals(0, perRunFiles(store));
    }
}
