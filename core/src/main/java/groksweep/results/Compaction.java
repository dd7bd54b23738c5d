package groksweep.results;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Merges committed runs' per-run files into one Parquet file per table, {@code part-<uuid>.parquet},
 * sorted by run and step, without a reader ever seeing a run twice or missing one, and without
 * losing track of which runs are committed.
 *
 * <p>The manifest {@value #MANIFEST} at the root is the switch: it names each table's part in use
 * and the runs the parts hold, and is replaced whole ({@link ResultsStore#writeBytes}). A reader
 * takes a {@link #snapshot}: the parts, plus the per-run files of every run the parts do not hold,
 * plus those of a run written again since it was compacted (a run whose {@code runs} file is
 * there again, e.g. retrained with {@code --rerun-failed}), whose rows in the part it then skips.
 * One compaction:
 * <ol>
 *   <li>writes each table's new part (whole or not at all, like every file here): the old part's
 *       rows and the per-run files of every committed run, merged in run order. A part that the
 *       manifest does not name is ignored by readers, so a compaction killed here changes nothing;
 *   <li>publishes the new manifest, unless another compaction published one meanwhile: from this
 *       instant readers read those runs from the new parts;
 *   <li>waits {@code grace} (a reader that took its snapshot just before may still be reading the
 *       old files), then deletes the per-run files it merged, unless written again since, and the
 *       parts the manifest no longer names.
 * </ol>
 * A killed compaction leaves either the old manifest or the new one, and at worst files that
 * the next one deletes. A run is committed when its {@code runs} row is in a per-run file or in
 * the parts ({@link ResultsStore#runIds}), so a resumed sweep skips compacted runs. Run one
 * compaction at a time; a sweep may commit new runs meanwhile (those committed after the listing
 * stay in their per-run files until the next compaction), but a run retrained during a
 * compaction could have its new metrics merged beside its old record.
 */
public final class Compaction {
    private Compaction() {}

    public static final String MANIFEST = "_compacted.txt";
    public static final String PART_PREFIX = "part-";

    /** The parts in use (paths relative to the root, e.g. {@code metrics/part-….parquet}) and the runs they hold. */
    public record Manifest(long version, List<String> parts, Set<String> runs) {
        static final Manifest EMPTY = new Manifest(0, List.of(), Set.of());

        List<String> parts(Table t) {
            return parts.stream().filter(p -> p.startsWith(t.name() + "/")).toList();
        }

        String text() {
            StringBuilder s = new StringBuilder("# groksweep compaction manifest: the parts in use and the runs they hold\n");
            s.append("version ").append(version).append('\n');
            parts.forEach(p -> s.append("part ").append(p).append('\n'));
            runs.forEach(r -> s.append("run ").append(r).append('\n'));
            return s.toString();
        }

        static Manifest parse(String text) {
            long version = 0;
            List<String> parts = new ArrayList<>();
            Set<String> runs = new TreeSet<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("version ")) {
                    version = Long.parseLong(line.substring(8).trim());
                } else if (line.startsWith("part ")) {
                    parts.add(line.substring(5).trim());
                } else if (line.startsWith("run ")) {
                    runs.add(line.substring(4).trim());
                }
            }
            return new Manifest(version, List.copyOf(parts), Set.copyOf(runs));
        }
    }

    /**
     * What a reader reads: each table's part and the per-run files to read beside it. Rows of the
     * {@code rewritten} runs are read from their per-run files and skipped in the parts.
     */
    public record Snapshot(Path root, Manifest manifest, Map<String, List<Path>> perRun, Set<String> rewritten) {
        /** The files of table {@code t} to read. */
        public List<Path> files(Table t) {
            List<Path> out = new ArrayList<>();
            manifest.parts(t).forEach(p -> out.add(new Path(root, p)));
            out.addAll(perRun.getOrDefault(t.name(), List.of()));
            return out;
        }

        /** Whether a row of {@code runId} read from {@code file} belongs to the snapshot. */
        public boolean keep(Path file, String runId) {
            return runOf(file) != null || !rewritten.contains(runId);
        }
    }

    /** What one compaction did. */
    public record Report(int runs, int partsWritten, int filesDeleted, String skipped) {}

    /** Where a compaction stands, for tests that stop it at each point as a kill would. */
    public interface Stage {
        void reached(String stage) throws IOException;
    }

    public static final Stage NO_STAGES = stage -> {};

    public static Manifest manifest(ResultsStore store) throws IOException {
        if (!store.exists(MANIFEST)) {
            return Manifest.EMPTY;
        }
        return Manifest.parse(new String(store.readBytes(MANIFEST), StandardCharsets.UTF_8));
    }

    /**
     * A consistent view of every table. The listings are taken between two reads of the manifest
     * and taken again if a compaction published in between, so parts and per-run files agree.
     */
    public static Snapshot snapshot(ResultsStore store) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Manifest before = manifest(store);
            Map<String, List<FileStatus>> listing = new HashMap<>();
            for (Table t : Tables.ALL) {
                listing.put(t.name(), list(store, t));
            }
            Manifest after = manifest(store);
            if (before.version() != after.version() && attempt < 10) {
                continue;
            }
            Set<String> rewritten = new TreeSet<>();
            for (FileStatus f : listing.get(Tables.RUNS.name())) {
                String run = runOf(f.getPath());
                if (run != null && after.runs().contains(run)) {
                    rewritten.add(run);
                }
            }
            Map<String, List<Path>> perRun = new HashMap<>();
            for (Table t : Tables.ALL) {
                List<Path> files = new ArrayList<>();
                for (FileStatus f : listing.get(t.name())) {
                    String run = runOf(f.getPath());
                    if (run != null && (!after.runs().contains(run) || rewritten.contains(run))) {
                        files.add(f.getPath());
                    }
                }
                perRun.put(t.name(), files);
            }
            return new Snapshot(store.root(), after, perRun, rewritten);
        }
    }

    /** Compacts every committed run; see the class comment for the steps. */
    public static Report compact(ResultsStore store, Duration grace, Stage stage) throws IOException {
        Manifest old = manifest(store);
        Map<String, Map<String, FileStatus>> byTable = new HashMap<>(); // table → run → its per-run file
        for (Table t : Tables.ALL) {
            Map<String, FileStatus> files = new TreeMap<>();
            for (FileStatus f : list(store, t)) {
                String run = runOf(f.getPath());
                if (run != null) {
                    files.put(run, f);
                }
            }
            byTable.put(t.name(), files);
        }
        Set<String> committed = new TreeSet<>(byTable.get(Tables.RUNS.name()).keySet()); // their runs file is written last
        if (committed.isEmpty()) {
            Path manifest = new Path(store.root(), MANIFEST);
            long published = store.fileSystem().exists(manifest)
                    ? store.fileSystem().getFileStatus(manifest).getModificationTime() : Long.MAX_VALUE;
            return new Report(0, 0, deleteOrphans(store, old, grace, published, stage), null);
        }
        List<String> parts = new ArrayList<>();
        for (Table t : Tables.ALL) {
            String part = t.name() + "/" + PART_PREFIX + UUID.randomUUID() + ".parquet";
            Map<String, FileStatus> files = byTable.get(t.name());
            List<Path> oldParts = old.parts(t).stream().map(p -> new Path(store.root(), p)).toList();
            long[] rows = {0};
            store.writeRows(t, new Path(store.root(), part), sink -> {
                ResultsStore.RowSink counted = r -> {
                    sink.write(r);
                    rows[0]++;
                };
                Set<String> pending = new TreeSet<>(committed); // per-run files still to write, in run order
                for (Path oldPart : oldParts) { // sorted by run: merge the per-run files in as it streams
                    store.forEachRow(t, oldPart, r -> {
                        String run = (String) r.get("run_id");
                        while (!pending.isEmpty() && pending.iterator().next().compareTo(run) < 0) {
                            copy(store, t, files.get(pending.iterator().next()), counted);
                            pending.remove(pending.iterator().next());
                        }
                        if (!committed.contains(run)) { // a committed run's per-run file replaces its old rows
                            counted.write(r);
                        }
                    });
                }
                for (String run : pending) {
                    copy(store, t, files.get(run), counted);
                }
            });
            if (rows[0] > 0) {
                parts.add(part);
            } else {
                store.delete(part);
            }
            stage.reached("part " + t.name());
        }
        Manifest now = manifest(store);
        if (now.version() != old.version()) { // another compaction published first
            for (String part : parts) {
                store.delete(part);
            }
            return new Report(0, 0, 0, "another compaction published manifest version " + now.version() + " meanwhile");
        }
        Set<String> runs = new TreeSet<>(old.runs());
        runs.addAll(committed);
        Manifest next = new Manifest(old.version() + 1, List.copyOf(parts), runs);
        store.writeBytes(MANIFEST, next.text().getBytes(StandardCharsets.UTF_8));
        long published = System.currentTimeMillis();
        stage.reached("published");
        sleep(grace);
        // The runs file first: without it a run is read from the part, so a kill between the
        // deletions leaves a run whose other per-run files are ignored, never one missing rows.
        int deleted = 0;
        for (Table t : Tables.ALL) {
            for (String run : committed) {
                FileStatus f = byTable.get(t.name()).get(run);
                if (f != null && unchanged(store, f) && store.fileSystem().delete(f.getPath(), false)) {
                    deleted++;
                    stage.reached("deleted " + t.name() + "/" + f.getPath().getName());
                }
            }
        }
        deleted += deleteOrphans(store, next, Duration.ZERO, published, stage);
        return new Report(committed.size(), parts.size(), deleted, null);
    }

    /** Whether {@code f} is still the file that was merged, not one written again since. */
    private static boolean unchanged(ResultsStore store, FileStatus f) throws IOException {
        return store.fileSystem().exists(f.getPath())
                && store.fileSystem().getFileStatus(f.getPath()).getModificationTime() == f.getModificationTime();
    }

    private static void copy(ResultsStore store, Table t, FileStatus file, ResultsStore.RowSink sink) throws IOException {
        if (file != null) {
            store.forEachRow(t, file.getPath(), sink);
        }
    }

    /**
     * After {@code grace}, deletes what no reader reads and no writer is writing, all of it older
     * than {@code before}: parts the manifest does not name (the ones it replaced, or a killed
     * compaction's), and per-run files of compacted runs that are not committed again (left by a
     * compaction killed while deleting; a run being retrained writes newer ones).
     */
    private static int deleteOrphans(ResultsStore store, Manifest m, Duration grace, long before, Stage stage)
            throws IOException {
        sleep(grace);
        long cutoff = Math.min(before, System.currentTimeMillis() - grace.toMillis());
        Set<String> committedAgain = new TreeSet<>();
        for (FileStatus f : list(store, Tables.RUNS)) {
            if (runOf(f.getPath()) != null) {
                committedAgain.add(runOf(f.getPath()));
            }
        }
        int deleted = 0;
        for (Table t : Tables.ALL) {
            for (FileStatus f : list(store, t)) {
                String name = t.name() + "/" + f.getPath().getName();
                String run = runOf(f.getPath());
                boolean orphan = run == null ? !m.parts().contains(name)
                        : m.runs().contains(run) && !committedAgain.contains(run);
                if (orphan && f.getModificationTime() <= cutoff && store.fileSystem().delete(f.getPath(), false)) {
                    deleted++;
                    stage.reached("deleted " + name);
                }
            }
        }
        return deleted;
    }

    /**
     * Runs in files of their own beyond which compacting pays: analysing 1,000 runs in per-run
     * files took as long as 10,000 compacted ones (48 s each, docs/PERFORMANCE.md), since listing
     * and opening files, not rows, is then the work.
     */
    public static final int WORTH_IT_RUNS = 300;

    /** How many committed runs have their {@code runs} row in a file of their own (not yet compacted). */
    public static int uncompactedRuns(ResultsStore store) throws IOException {
        return (int) list(store, Tables.RUNS).stream().filter(f -> runOf(f.getPath()) != null).count();
    }

    /** The visible Parquet files of a table's directory: per-run files and parts. */
    static List<FileStatus> list(ResultsStore store, Table t) throws IOException {
        Path dir = new Path(store.root(), t.name());
        if (!store.fileSystem().exists(dir)) {
            return List.of();
        }
        List<FileStatus> out = new ArrayList<>();
        for (FileStatus f : store.fileSystem().listStatus(dir)) {
            String name = f.getPath().getName();
            if (name.endsWith(".parquet") && !name.startsWith("_") && !name.startsWith(".")) {
                out.add(f);
            }
        }
        return out;
    }

    /** Whether {@code file} is a compacted part (not one run's file). */
    public static boolean isPart(Path file) {
        return file.getName().startsWith(PART_PREFIX);
    }

    /** The run id of a per-run file, or null for a part. */
    public static String runOf(Path file) {
        String name = file.getName();
        return name.startsWith(PART_PREFIX) ? null : name.substring(0, name.length() - ".parquet".length());
    }

    /** Rows per run of table {@code t} in a snapshot: a run read twice would count its rows twice. */
    static Map<String, Integer> rowsPerRun(ResultsStore store, Snapshot snap, Table t) throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Path f : snap.files(t)) {
            store.forEachRow(t, f, r -> {
                String run = (String) r.get("run_id");
                if (snap.keep(f, run)) {
                    counts.merge(run, 1, Integer::sum);
                }
            });
        }
        return counts;
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
