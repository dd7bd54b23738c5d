package groksweep.results;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The attempts at training a run that did not end, counted where an executor's death cannot erase
 * them, and what they say about the run: a run that crashes its executor (a native crash, the
 * kernel's OOM killer) dies at about the same step on every attempt; a run whose executors the
 * cluster takes away (preemption, spot reclaims, a lost node, a kill) dies at different steps, and
 * usually gets further each time, because it resumes from its checkpoint.
 *
 * <p>Each attempt writes a marker under the output, {@code _attempts/<run_id>/<app>-<alone|pack>-<uuid>},
 * before the run trains, and notes in it the step it has reached (at its first step, then at most
 * every {@link #SEEN_EVERY_MILLIS}) with its speed, so that how far the step may be behind the
 * moment of death is known. A run that commits, or whose task is cancelled, removes its markers;
 * markers left behind are lost attempts, which a retried task reads. The driver adds what it knows
 * of each lost executor ({@code _attempts/_executors/<app>-<executor>}): a loss that was the
 * cluster's (its reason says preempted, decommissioned, worker or node lost, evicted; or other
 * executors went with it) is no evidence against the run. Markers count within one application
 * (one sweep command): a rerun of the sweep tries the run again.
 */
public final class Attempts {
    private Attempts() {}

    static final String DIR = "_attempts";
    static final String EXECUTORS = DIR + "/_executors";

    /** Lost attempts at about the same step, one of them at least alone, after which a run is condemned. */
    public static final int SAME_PLACE = 3;

    /** Lost attempts after which a pack's runs train one per task, so that a run that crashes dies alone. */
    public static final int SPLIT_AFTER = 2;

    /** How often, at most, a training attempt notes its step in its marker. */
    public static final long SEEN_EVERY_MILLIS = 2000;

    /**
     * One lost attempt, as its marker and the driver tell it.
     *
     * @param started  when it began (epoch milliseconds)
     * @param alone    trained alone, not in a pack
     * @param executor the executor it ran on
     * @param seen     the last step it noted (-1: it died before its first step)
     * @param rate     its steps per second when it noted them (0: unknown), which bounds how far
     *                 {@code seen} is behind the step it died at
     * @param cluster  the driver attributes its executor's loss to the cluster
     */
    public record Attempt(long started, boolean alone, String executor, int seen, double rate, boolean cluster) {
        /** At most how many steps beyond {@link #seen} this attempt may have died. */
        double slack() {
            return rate * SEEN_EVERY_MILLIS / 1000.0 * 1.25 + 1;
        }

        String described() {
            return "step " + (seen < 0 ? "none" : String.valueOf(seen)) + " on executor " + executor
                    + (alone ? " (alone)" : " (in a pack)");
        }
    }

    /** What a task does with a run, given its lost attempts. */
    public sealed interface Verdict permits Train, Condemn {}

    /** Train it; {@code alone}: one run per task, not in its pack. */
    public record Train(boolean alone) implements Verdict {}

    /** Record it as failed without training it, saying why. */
    public record Condemn(String message) implements Verdict {}

    /**
     * The verdict on a run from its lost attempts. The run is condemned only when the evidence points
     * at it: its last {@link #SAME_PLACE} attempts whose losses were not the cluster's all died at
     * about the same step (their steps within one noting interval of each other, at the speed they
     * ran), one of them at least alone (so not a packmate's crash), and none of its attempts ever got
     * further. A run killed at different steps, or whose losses were the cluster's, trains again.
     */
    public static Verdict verdict(List<Attempt> lost) {
        boolean alone = lost.size() >= SPLIT_AFTER;
        List<Attempt> suspects = lost.stream().filter(a -> !a.cluster())
                .sorted(Comparator.comparingLong(Attempt::started)).toList();
        if (suspects.size() < SAME_PLACE) {
            return new Train(alone);
        }
        List<Attempt> last = suspects.subList(suspects.size() - SAME_PLACE, suspects.size());
        int lo = last.stream().mapToInt(Attempt::seen).min().orElseThrow();
        int hi = last.stream().mapToInt(Attempt::seen).max().orElseThrow();
        double slack = last.stream().mapToDouble(Attempt::slack).max().orElseThrow();
        int furthest = suspects.stream().mapToInt(Attempt::seen).max().orElseThrow();
        if (hi - lo > slack || furthest > hi + slack || last.stream().noneMatch(Attempt::alone)) {
            return new Train(alone);
        }
        long others = lost.size() - SAME_PLACE;
        return new Condemn("lost its executor on " + SAME_PLACE + " attempts at about the same step, last seen at "
                + last.stream().map(Attempt::described).collect(Collectors.joining(", "))
                + (others > 0 ? " (and " + others + " other lost attempt" + (others == 1 ? "" : "s") + ")" : "")
                + ": it crashes there (a native crash, or out of memory); its executors' logs have the trace");
    }

    /** One attempt's marker, which it keeps up to date while it trains. */
    public static final class Marker {
        private final String path;
        private final long started = System.currentTimeMillis();
        private final boolean alone;
        private final String executor;
        private long firstAt;
        private int firstStep = -1;
        private long notedAt;

        private Marker(String path, boolean alone, String executor) {
            this.path = path;
            this.alone = alone;
            this.executor = executor;
        }

        /**
         * Notes {@code step} in the marker if it is the attempt's first, or if {@link #SEEN_EVERY_MILLIS}
         * have passed since the last note; returns whether it wrote.
         */
        public boolean seen(ResultsStore store, int step) throws IOException {
            long now = System.currentTimeMillis();
            if (firstStep >= 0 && now - notedAt < SEEN_EVERY_MILLIS) {
                return false;
            }
            if (firstStep < 0) {
                firstStep = step;
                firstAt = now;
            }
            double rate = now > firstAt ? (step - firstStep) * 1000.0 / (now - firstAt) : 0;
            write(store, step, rate);
            notedAt = now;
            return true;
        }

        private void write(ResultsStore store, int seen, double rate) throws IOException {
            String text = "started=" + started + "\nalone=" + alone + "\nexecutor=" + executor + "\nseen=" + seen
                    + "\nrate=" + rate + "\n";
            store.writeBytes(path, text.getBytes(StandardCharsets.UTF_8));
        }

        /** Removes the marker: the attempt ended without its executor dying (committed, or cancelled). */
        public void remove(ResultsStore store) throws IOException {
            store.fileSystem().delete(new Path(store.root(), path), false);
        }
    }

    /** Writes a marker for an attempt of {@code runId} in application {@code app} on {@code executor}. */
    public static Marker mark(ResultsStore store, String app, String runId, boolean alone, String executor)
            throws IOException {
        Marker m = new Marker(DIR + "/" + runId + "/" + app + "-" + (alone ? "alone" : "pack") + "-" + UUID.randomUUID(),
                alone, executor);
        m.write(store, -1, 0);
        return m;
    }

    /** The attempts of {@code runId} in {@code app} that left a marker, with the driver's word on their executors. */
    public static List<Attempt> lost(ResultsStore store, String app, String runId) throws IOException {
        Set<String> cluster = clusterLosses(store, app);
        List<Attempt> out = new ArrayList<>();
        for (FileStatus f : list(store, new Path(store.root(), DIR + "/" + runId))) {
            String name = f.getPath().getName();
            if (!name.startsWith(app + "-")) {
                continue;
            }
            Map<String, String> m = read(store, DIR + "/" + runId + "/" + name);
            String executor = m.getOrDefault("executor", "?");
            out.add(new Attempt(Long.parseLong(m.getOrDefault("started", "0")), name.startsWith(app + "-alone-"), executor,
                    Integer.parseInt(m.getOrDefault("seen", "-1")), Double.parseDouble(m.getOrDefault("rate", "0")),
                    cluster.contains(executor)));
        }
        return out;
    }

    /**
     * The driver's record of a lost executor of {@code app}: {@code cluster} when its loss was the
     * cluster's, not an attempt's, with Spark's reason.
     */
    public static void executorLost(ResultsStore store, String app, String executor, boolean cluster, String reason)
            throws IOException {
        store.writeBytes(EXECUTORS + "/" + app + "-" + executor,
                ("cluster=" + cluster + "\nreason=" + reason.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The executors of {@code app} whose loss the driver attributes to the cluster. */
    static Set<String> clusterLosses(ResultsStore store, String app) throws IOException {
        Set<String> out = new java.util.HashSet<>();
        for (FileStatus f : list(store, new Path(store.root(), EXECUTORS))) {
            String name = f.getPath().getName();
            if (name.startsWith(app + "-")
                    && "true".equals(read(store, EXECUTORS + "/" + name).get("cluster"))) {
                out.add(name.substring(app.length() + 1));
            }
        }
        return out;
    }

    private static FileStatus[] list(ResultsStore store, Path dir) throws IOException {
        try {
            return store.fileSystem().listStatus(dir);
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        }
    }

    /** A marker's {@code key=value} lines; one being rewritten as it is read counts with what it had (nothing). */
    private static Map<String, String> read(ResultsStore store, String relative) {
        Map<String, String> out = new HashMap<>();
        try {
            for (String line : new String(store.readBytes(relative), StandardCharsets.UTF_8).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    out.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            // rewritten while read: counted, with its defaults
        }
        return out;
    }

    /**
     * Removes, when a sweep ends, the markers of committed runs and the directories left empty (a
     * cancelled attempt that noted a step as its run committed elsewhere may leave its marker, or an
     * empty directory, behind a run's {@link #clear}); then the markers' directory, with the
     * driver's records of lost executors, once no run has a marker left in it.
     */
    public static void tidy(ResultsStore store) throws IOException {
        Path dir = new Path(store.root(), DIR);
        Set<String> committed = store.runIds(Tables.RUNS);
        boolean left = false;
        for (FileStatus f : list(store, dir)) {
            String name = f.getPath().getName();
            if (name.equals("_executors")) {
                continue;
            }
            if (committed.contains(name) || list(store, f.getPath()).length == 0) {
                store.fileSystem().delete(f.getPath(), true);
            } else {
                left = true;
            }
        }
        if (!left) {
            store.fileSystem().delete(dir, true);
        }
    }

    /** Removes every marker of the runs given, once they are committed. */
    public static void clear(ResultsStore store, List<String> runIds) throws IOException {
        for (String id : runIds) {
            store.fileSystem().delete(new Path(store.root(), DIR + "/" + id), true);
        }
    }
}
