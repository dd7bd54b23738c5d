package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.RunStatus;
import groksweep.results.RunStore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The savings tables of docs/REPRODUCTIONS.md, replayed: a one-axis search run on the outcomes of
 * the dense grid over its points (the grid's runs exported as CSV under docs/data) at the spec's
 * resolution and coarser ones, seeds alone and sharing, on one slot. A search is deterministic
 * given its runs' outcomes, so what it trains here is what it trains on Spark; its runs, work
 * (steps × train pairs) and core-seconds are summed from the grid's records. Every row computed
 * here must stand in REPRODUCTIONS as printed.
 *
 * <p>A grid is exported with: {@code bin/groksweep sql DIR "SELECT r.run_id, r.status, o.grokked_step,
 * r.final_step, r.wall_seconds FROM runs r LEFT JOIN onsets o USING (run_id) ORDER BY r.run_id" --format csv}
 */
class SearchReplayTest {
    /** Each search spec of conf/sweeps whose dense grid is exported as docs/data/SPEC.csv. */
    static final List<String> REPLAYED = List.of("seed-sharing-small", "critical-fraction-search-small");

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir Path dir;

    /** One run of the grid, as its export gives it. */
    record Run(String outcome, int finalStep, double seconds) {}

    @Test
    void everySavingsTableInReproductionsIsItsSearchReplayedOnTheGrid() throws Exception {
        String doc = Files.readString(ROOT.resolve("docs/REPRODUCTIONS.md"));
        List<String> missing = new ArrayList<>();
        for (String name : REPLAYED) {
            Map<String, Run> grid = read(ROOT.resolve("docs/data/" + name + ".csv"));
            String text = Files.readString(ROOT.resolve("conf/sweeps/" + name + ".yaml"));
            for (String row : rows(text, grid)) {
                if (!doc.contains("  " + row + "\n")) {
                    missing.add(name + ": " + row);
                }
            }
        }
        assertTrue(missing.isEmpty(), "docs/REPRODUCTIONS.md lacks the replayed rows\n" + String.join("\n", missing));
    }

    /** The table's rows: per resolution (the spec's × 8, 4, 2 where they divide the range, and × 1), seeds alone and sharing. */
    List<String> rows(String text, Map<String, Run> grid) throws IOException {
        List<String> out = new ArrayList<>();
        Search fine = SweepSpec.parse(text).search();
        for (int every : new int[] {8, 4, 2, 1}) {
            if (fine.last() % every != 0) {
                continue;
            }
            BigDecimal coarse = fine.axes().get(0).resolution().multiply(BigDecimal.valueOf(every));
            String t = text.replaceFirst("(?m)^(\\s+resolution:\\s*)\\S+", "$1" + coarse.toPlainString());
            for (boolean sharing : new boolean[] {false, true}) {
                String s = sharing ? t : t.replaceFirst("(?m)^(\\s+outcome:.*)$", "$1\n  replicates: []");
                out.add(row(SweepSpec.parse(s).withOutput(dir.resolve(every + "-" + sharing).toString()), grid, sharing));
            }
        }
        return out;
    }

    /** One row: the search replayed on one slot against the dense grid at the spec's resolution. */
    static String row(SweepSpec spec, Map<String, Run> grid, boolean sharing) throws IOException {
        BracketSearches searches = new BracketSearches(spec, Set.of());
        SweepLoopTest.Simulated sim = new SweepLoopTest.Simulated(searches, c -> run(grid, c).outcome(),
                c -> run(grid, c).seconds());
        SweepRunner.loop(searches, sim, new RunStore(new ResultsStore(spec.output())), () -> 1, r -> {});
        List<TrainConfig> dense = searches.plan().runs();
        int agree = 0;
        for (BracketSearches.State s : searches.states()) {
            Map<Integer, Boolean> known = new TreeMap<>();
            Set<Integer> failed = new java.util.TreeSet<>();
            for (int i = 0; i <= spec.search().last(); i++) {
                String outcome = run(grid, spec.search().point(s.base(), i)).outcome();
                if (outcome.equals(Searches.FAILED)) {
                    failed.add(i);
                } else {
                    known.put(i, outcome.equals("yes"));
                }
            }
            agree += new Bracket(spec.search().last(), known, failed).flips().equals(s.bracket().flips()) ? 1 : 0;
        }
        double[] search = sums(sim.trained, grid), all = sums(dense, grid);
        return String.format(Locale.ROOT, "| %s | %d | %s | %d / %d | %.0f%% | %.0f%% | %.0f%% | %d of %d |",
                spec.search().axes().get(0).resolution().toPlainString(), spec.search().last() + 1, sharing ? "sharing" : "alone",
                sim.trained.size(), dense.size(), 100.0 * sim.trained.size() / dense.size(), 100 * search[0] / all[0],
                100 * search[1] / all[1], agree, searches.bases.size());
    }

    /** Work (steps × train pairs) and core-seconds of the runs. */
    static double[] sums(List<TrainConfig> runs, Map<String, Run> grid) {
        double work = 0, seconds = 0;
        for (TrainConfig c : runs) {
            work += (double) run(grid, c).finalStep() * c.trainPairs();
            seconds += run(grid, c).seconds();
        }
        return new double[] {work, seconds};
    }

    static Run run(Map<String, Run> grid, TrainConfig c) {
        Run r = grid.get(c.runId());
        if (r == null) {
            throw new AssertionError("run " + c.runId() + " (" + c.toMap() + ") is not in the grid's export");
        }
        return r;
    }

    /** The export: a header, then run_id, status, grokked_step (empty: none), final_step, wall_seconds. */
    static Map<String, Run> read(Path csv) throws IOException {
        Map<String, Run> out = new HashMap<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            String outcome = RunStatus.of(f[1]).retryable() ? Searches.FAILED : f[2].isEmpty() || f[2].equals("null") ? "no" : "yes";
            out.put(f[0], new Run(outcome, Integer.parseInt(f[3]), Double.parseDouble(f[4])));
        }
        return out;
    }
}
