package groksweep.results;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The attempts at training a run that did not end, counted where an executor's death cannot erase
 * them: a marker file under the output, {@code _attempts/<run_id>/<app>-<alone|pack>-<uuid>},
 * written before the run trains, holding the last step it was seen at, and removed when it
 * commits. A run whose executor dies every time (a native crash, the kernel's OOM killer) leaves
 * one marker per lost attempt; Spark retries its task, and the retry sees them. Markers count
 * within one application (one sweep command): a rerun of the sweep tries the run again.
 */
public final class Attempts {
    private Attempts() {}

    static final String DIR = "_attempts";

    /** Lost attempts after which a run is recorded as failed (of them, at least one alone). */
    public static final int LOST_LIMIT = 2;

    /** One attempt's marker. */
    public record Marker(String path) {}

    /** What earlier attempts of a run in this application left: how many, how many alone, the last step seen. */
    public record Lost(int attempts, int alone, int lastStep) {
        /** Whether the run has lost its executor often enough to be recorded as failed, not tried again. */
        public boolean poisoned() {
            return attempts >= LOST_LIMIT && alone >= 1;
        }

        /** The failed run's message. */
        public String message() {
            return "lost its executor on " + attempts + " attempts: possibly out of memory or a native crash; last seen at step "
                    + lastStep;
        }
    }

    /** Writes a marker for an attempt of {@code runId} in application {@code app}, trained alone or in a pack. */
    public static Marker mark(ResultsStore store, String app, String runId, boolean alone) throws IOException {
        Marker m = new Marker(DIR + "/" + runId + "/" + app + "-" + (alone ? "alone" : "pack") + "-" + UUID.randomUUID());
        seen(store, m, 0);
        return m;
    }

    /** Records the last step the attempt reached (overwrites the marker: small, and never read half-written). */
    public static void seen(ResultsStore store, Marker m, int step) throws IOException {
        store.writeBytes(m.path(), ("step " + step).getBytes(StandardCharsets.UTF_8));
    }

    /** The attempts of {@code runId} in {@code app} that left a marker. */
    public static Lost lost(ResultsStore store, String app, String runId) throws IOException {
        Path dir = new Path(store.root(), DIR + "/" + runId);
        int attempts = 0;
        int alone = 0;
        int last = 0;
        FileStatus[] files;
        try {
            files = store.fileSystem().listStatus(dir);
        } catch (FileNotFoundException e) {
            return new Lost(0, 0, 0);
        }
        for (FileStatus f : files) {
            String name = f.getPath().getName();
            if (!name.startsWith(app + "-")) {
                continue;
            }
            attempts++;
            alone += name.startsWith(app + "-alone-") ? 1 : 0;
            try {
                String step = new String(store.readBytes(DIR + "/" + runId + "/" + name), StandardCharsets.UTF_8);
                last = Math.max(last, Integer.parseInt(step.substring("step ".length()).strip()));
            } catch (IOException | RuntimeException e) {
                // a marker being rewritten as we read: its step is not needed to count it
            }
        }
        return new Lost(attempts, alone, last);
    }

    /** Removes the markers' directory when no marker is left in it (when a sweep ends). */
    public static void tidy(ResultsStore store) throws IOException {
        Path dir = new Path(store.root(), DIR);
        try {
            if (store.fileSystem().listStatus(dir).length == 0) {
                store.fileSystem().delete(dir, false);
            }
        } catch (FileNotFoundException e) {
            // none were written
        }
    }

    /** Removes every marker of the runs given, once they are committed. */
    public static void clear(ResultsStore store, List<String> runIds) throws IOException {
        List<Path> dirs = new ArrayList<>();
        runIds.forEach(id -> dirs.add(new Path(store.root(), DIR + "/" + id)));
        for (Path d : dirs) {
            store.fileSystem().delete(d, true);
        }
    }
}
