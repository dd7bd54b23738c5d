package groksweep.sweep;

import java.util.Optional;

/**
 * The sweep's status line, at most every few seconds: done / running / failed of total, rate, ETA.
 * Until a run is done the ETA counts down from the estimate, when there is one ({@code ~}).
 */
public final class Progress {
    private static final long EVERY_NANOS = 10_000_000_000L;

    private final String name;
    private final int total;
    private final double estimatedSeconds; // NaN: none
    private final long start = System.nanoTime();
    private long lastPrinted;
    private String lastLine = "";

    Progress(String name, int total, double estimatedSeconds) {
        this.name = name;
        this.total = total;
        this.estimatedSeconds = estimatedSeconds;
    }

    Optional<String> update(long done, long failed, long running) {
        long now = System.nanoTime();
        String line = line(done, failed, running, (now - start) / 1e9);
        String counts = line.substring(0, line.indexOf('|'));
        boolean changed = !counts.equals(lastLine);
        if (!changed && now - lastPrinted < EVERY_NANOS) {
            return Optional.empty();
        }
        lastLine = counts;
        lastPrinted = now;
        return Optional.of(line);
    }

    String line(long done, long failed, long running, double seconds) {
        long all = Math.max(total, done + running); // a search's total is what it expects, and it may train more
        double perHour = done == 0 ? 0 : done / seconds * 3600;
        String eta = done > 0 ? duration((all - done) * seconds / done)
                : estimatedSeconds > seconds ? "~" + duration(estimatedSeconds - seconds) : "?";
        return String.format("[sweep %s] %d/%d done, %d running, %d not ok | %.0f runs/h, elapsed %s, ETA %s",
                name, done, all, running, failed, perHour, duration(seconds), eta);
    }

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
