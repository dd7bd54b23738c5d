package groksweep.cli;

import groksweep.sweep.Progress;
import groksweep.sweep.SweepRunner;
import groksweep.sweep.SweepSpec;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The table printed when a sweep ends: the runs not ok first, then the others, at most
 * {@link #MAX_ROWS} of them whatever the sweep's size (the runs table has every one).
 */
public final class Summary {
    private Summary() {}

    static final int MAX_ROWS = 40;

    /** The boundaries a search found, one line per boundary (or per search without one). */
    public static String boundaries(List<groksweep.results.Row> rows) {
        StringBuilder s = new StringBuilder(String.format("%-32s %-13s %-14s %-24s %5s %6s%n", "search", "status",
                "axis", "boundary (lower..upper)", "runs", "failed"));
        for (groksweep.results.Row r : rows.stream().limit(MAX_ROWS).toList()) {
            String bracket = r.get("lower") == null ? "-" : r.getDouble("lower") + ".." + r.getDouble("upper") + " ("
                    + r.getString("outcome") + (((Boolean) r.get("outcome_above")) ? " above)" : " below)");
            s.append(String.format("%-32s %-13s %-14s %-24s %5d %6d%n", r.getString("search"), r.getString("status"),
                    r.getString("axis"), bracket, r.getInt("runs"), r.getInt("failed")));
        }
        if (rows.size() > MAX_ROWS) {
            s.append(String.format("... %,d more%n", rows.size() - MAX_ROWS));
        }
        return s.toString().stripTrailing();
    }

    /** Each two-axis search in one line: its status, runs, and how many leaf cells hold each outcome ("mixed": the boundaries). */
    public static String cells(List<groksweep.results.Row> rows) {
        Map<String, Map<String, Integer>> counts = new java.util.LinkedHashMap<>();
        Map<String, groksweep.results.Row> first = new java.util.LinkedHashMap<>();
        for (groksweep.results.Row r : rows) {
            counts.computeIfAbsent(r.getString("search"), k -> new TreeMap<>()).merge(r.getString("cell"), 1, Integer::sum);
            first.putIfAbsent(r.getString("search"), r);
        }
        StringBuilder s = new StringBuilder(String.format("%-32s %-13s %5s %6s  %s%n", "search", "status", "runs", "failed",
                "leaf cells by outcome"));
        first.entrySet().stream().limit(MAX_ROWS).forEach(e -> s.append(String.format("%-32s %-13s %5d %6d  %s%n", e.getKey(),
                e.getValue().getString("status"), e.getValue().getInt("runs"), e.getValue().getInt("failed"),
                counts.get(e.getKey()))));
        if (first.size() > MAX_ROWS) {
            s.append(String.format("... %,d more%n", first.size() - MAX_ROWS));
        }
        return s.toString().stripTrailing();
    }

    public static String table(SweepRunner.Outcome o, String output) {
        Map<String, Integer> byStatus = new TreeMap<>();
        o.trained().forEach(r -> byStatus.merge(r.label(), 1, Integer::sum));
        StringBuilder s = new StringBuilder();
        s.append(String.format("%n%-16s %-9s %6s %8s %9s %8s%n", "run_id", "status", "step", "grokked", "test acc", "seconds"));
        List<SweepRunner.RunReport> shown = o.trained().stream()
                .sorted(java.util.Comparator.comparing((SweepRunner.RunReport r) -> r.label().equals("ok")))
                .limit(MAX_ROWS).toList();
        for (SweepRunner.RunReport r : shown) {
            s.append(String.format("%-16s %-9s %6d %8s %9s %8.1f%n", r.runId(), r.label(), r.finalStep(),
                    r.grokkedStep() == null ? "-" : r.grokkedStep(),
                    r.finalTestAcc() == null ? "-" : String.format("%.4f", r.finalTestAcc()), r.seconds()));
        }
        if (o.trained().size() > shown.size()) {
            s.append(String.format("... %,d more; every run: groksweep sql %s \"SELECT * FROM runs\"%n",
                    o.trained().size() - shown.size(), output));
        }
        int skipped = o.plan().runs().size() - o.plan().pending().size();
        s.append(String.format("%nsweep done in %s: %d runs trained %s, %d already committed; results in %s",
                Progress.duration(o.seconds()), o.trained().size(), byStatus, skipped, output));
        if (o.plan().estimate() != null && o.plan().estimate().wallSeconds() > 0) {
            s.append(String.format("%nestimated %s%s: it took %.2f of that", Progress.duration(o.plan().estimate().wallSeconds()),
                    o.plan().estimate().upperBound() ? " at most" : "", o.seconds() / o.plan().estimate().wallSeconds()));
        }
        return s.toString();
    }

    /** What a finished search printed: its table, then the runs it trained and used, and how busy its slots were. */
    public static String search(SweepRunner.Outcome o, SweepSpec sweep) {
        Map<String, Integer> byStatus = new TreeMap<>();
        o.trained().forEach(r -> byStatus.merge(r.label(), 1, Integer::sum));
        String table = sweep.search().plane() ? "cells" : "boundaries";
        return String.format("%n%s%n%nsearch done in %s: %d runs trained %s; %d runs used in all, of a dense grid's %d;"
                + " task slots %.0f%% busy; results in %s (the %s table: groksweep sql %s \"SELECT * FROM %s\")",
                sweep.search().plane() ? cells(o.rows()) : boundaries(o.rows()), Progress.duration(o.seconds()),
                o.trained().size(), byStatus, o.used(), o.plan().runs().size(), 100 * o.utilisation(), sweep.output(), table,
                sweep.output(), table);
    }
}
