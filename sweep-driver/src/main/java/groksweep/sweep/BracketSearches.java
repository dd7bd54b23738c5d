package groksweep.sweep;

import groksweep.config.TrainConfig;
import groksweep.results.Layout;
import groksweep.results.Row;
import groksweep.results.RunStore;
import groksweep.results.Table;
import groksweep.results.Tables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Searches on one axis, a {@link Bracket} per grid combination, that learn across seeds: searches
 * that differ only in their seed (or the spec's other {@code replicates}) are siblings, and one not
 * yet begun whose siblings have resolved their boundaries starts at the two points either side of
 * their median boundary instead of the range's ends; one that must begin while its siblings are
 * still open starts from the narrowest flip among them. Its boundary still rests on its own runs
 * one step apart; nothing is taken from a sibling's runs but where to look first.
 */
final class BracketSearches extends Searches {
    /** One search: its grid combination, what its committed runs say, and those runs by lattice point. */
    record State(TrainConfig base, Bracket bracket, Map<Integer, String> runIds) {}

    private final Map<TrainConfig, Bracket.Flip> hints = new HashMap<>();
    private Set<String> hinted; // searches that began from a hint, as the boundaries table says; read once
    private Set<String> inFlight = Set.of(); // the runs in flight and those just handed out: their searches have begun

    BracketSearches(SweepSpec spec, Set<String> retry) {
        super(spec, retry);
    }

    @Override
    int points() {
        return search.last() + 1;
    }

    @Override
    TrainConfig point(TrainConfig base, int i) {
        return search.point(base, i);
    }

    /** Bisection's expected runs per search over the lattice, when the outcome is monotone ({@link Bracket#expected}). */
    @Override
    public double expectedShare() {
        return Bracket.expected(search.last(), 1)[0] / points();
    }

    @Override
    Table table() {
        return Tables.BOUNDARIES;
    }

    /**
     * Every search as its committed runs say. A search not yet begun (nothing known, nothing in
     * flight) takes its hint from the siblings resolved so far, hinted ones included, so the later
     * it begins the more siblings it follows; once begun it keeps its hint (a sibling's open flip
     * too, {@link #next}), which then only says on which side of its points the other outcome lies.
     * Which searches began from a hint is in the boundaries table, for a driver that resumes.
     */
    List<State> states() {
        Map<TrainConfig, State> now = new LinkedHashMap<>();
        for (TrainConfig base : bases) {
            now.put(base, state(base, hints.get(base)));
        }
        for (State s : List.copyOf(now.values())) {
            boolean resumed = hinted != null && hinted.contains(describe(s.base())) && !hints.containsKey(s.base());
            if (resumed || !begun(s, inFlight)) {
                Bracket.Flip hint = hint(s.base(), now.values());
                if (hint == null && resumed) {
                    hint = open(s.base(), now.values(), inFlight);
                }
                if (hint == null) {
                    hints.remove(s.base());
                } else {
                    hints.put(s.base(), hint);
                }
                now.put(s.base(), state(s.base(), hint));
            }
        }
        return List.copyOf(now.values());
    }

    /** Reads, once, which searches a driver before this one started from their siblings' boundaries. */
    @Override
    public void update(RunStore runs) throws IOException {
        if (hinted == null) {
            hinted = new HashSet<>();
            String name = spec.name() + "-" + spec.hash();
            if (runs.files().exists(Layout.run(Tables.BOUNDARIES, name))) {
                for (Row r : runs.files().read(Tables.BOUNDARIES, name)) {
                    if (Boolean.TRUE.equals(r.get("from_siblings"))) {
                        hinted.add(r.getString("search"));
                    }
                }
            }
        }
        super.update(runs);
    }

    private State state(TrainConfig base, Bracket.Flip hint) {
        Known k = known(base);
        Map<Integer, Boolean> yes = new TreeMap<>();
        k.outcomes().forEach((i, outcome) -> yes.put(i, outcome.equals("yes")));
        return new State(base, new Bracket(search.last(), yes, k.failed(), hint), k.runIds());
    }

    /** The flip one step wide around the siblings' median boundary (of those resolved, hinted ones too), or null. */
    private Bracket.Flip hint(TrainConfig base, Iterable<State> all) {
        List<Bracket.Flip> flips = new ArrayList<>();
        for (State s : all) {
            if (s.base() != base && siblings(base, s.base()) && s.bracket().status() == Bracket.Status.RESOLVED) {
                flips.add(s.bracket().flips().get(0));
            }
        }
        if (flips.isEmpty()) {
            return null;
        }
        flips.sort(Comparator.comparingInt(Bracket.Flip::lower));
        Bracket.Flip median = flips.get((flips.size() - 1) / 2);
        int lower = flips.size() % 2 == 1 ? median.lower()
                : (int) Math.floor((median.lower() + flips.get(flips.size() / 2).lower()) / 2.0);
        return new Bracket.Flip(lower, lower + 1, median.below());
    }

    /**
     * The narrowest flip among the begun siblings still open (each with one flip so far), or null:
     * their boundary lies inside it, and a sibling's most likely does too.
     */
    private Bracket.Flip open(TrainConfig base, Collection<State> all, Set<String> begun) {
        return all.stream()
                .filter(s -> s.base() != base && siblings(base, s.base()) && begun(s, begun) && s.bracket().flips().size() == 1)
                .map(s -> s.bracket().flips().get(0)).min(Comparator.comparingInt(f -> f.upper() - f.lower())).orElse(null);
    }

    /** Whether two grid combinations differ only in replicate axes (the options that follow them aside). */
    private boolean siblings(TrainConfig a, TrainConfig b) {
        return !search.replicates().isEmpty() && spec.axes().stream().filter(x -> !search.replicates().contains(x))
                .allMatch(x -> a.value(x).equals(b.value(x)));
    }

    /**
     * Each free slot goes to a search with a point to train: searches already begun first (a
     * bisection waits on its last run), then those with a hint, then those with no sibling begun.
     * Slots still free after one point per flip go to more points in the begun searches' open
     * flips (k-section), so one search alone still fills its slots; only then does a search begin
     * while a sibling, soon to give it a hint, is still open: from the narrowest of their open flips
     * if they have one (a hint all the same), else from the ends.
     */
    @Override
    public List<TrainConfig> next(int free, Set<String> inFlight) throws IOException {
        this.inFlight = inFlight;
        List<State> all = states();
        List<State> begun = all.stream().filter(s -> begun(s, inFlight)).toList();
        List<State> hinted = all.stream().filter(s -> !begun.contains(s) && s.bracket().hint() != null).toList();
        List<State> waiting = all.stream().filter(s -> !begun.contains(s) && !hinted.contains(s)).toList();
        List<State> fresh = waiting.stream().filter(s -> begun.stream().noneMatch(b -> siblings(s.base(), b.base()))).toList();
        Map<String, TrainConfig> out = new LinkedHashMap<>();
        offer(begun, 1, free, inFlight, out);
        offer(hinted, 1, free, inFlight, out);
        offer(fresh, 1, free, inFlight, out);
        Set<String> handed = new HashSet<>(inFlight);
        handed.addAll(out.keySet());
        List<State> open = all.stream() // those begun just now too
                .filter(s -> begun(s, handed) && s.bracket().status() == Bracket.Status.OPEN).toList();
        if (out.size() < free && !open.isEmpty()) {
            offer(open, 1 + (int) Math.ceil((double) (free - out.size()) / open.size()), free, inFlight, out);
        }
        List<State> fromOpen = new ArrayList<>();
        for (State s : out.size() < free ? waiting : List.<State>of()) { // only when a slot is left for them
            Bracket.Flip flip = open(s.base(), all, handed);
            fromOpen.add(flip == null ? s : state(s.base(), flip));
            if (flip != null) {
                hints.put(s.base(), flip); // kept if it begins now; otherwise states() sets it again
            }
        }
        offer(fromOpen, 1, free, inFlight, out);
        handed.addAll(out.keySet());
        this.inFlight = handed;
        return handOut(out.values());
    }

    private void offer(List<State> states, int k, int free, Set<String> inFlight, Map<String, TrainConfig> out) {
        for (State s : states) {
            for (int i : s.bracket().next(k)) {
                TrainConfig c = point(s.base(), i);
                if (out.size() < free && !inFlight.contains(c.runId())) {
                    out.putIfAbsent(c.runId(), c);
                }
            }
        }
    }

    private boolean begun(State s, Set<String> inFlight) {
        if (!s.runIds().isEmpty()) {
            return true;
        }
        for (int i = 0; i <= search.last(); i++) {
            if (inFlight.contains(point(s.base(), i).runId())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int used() {
        return states().stream().mapToInt(s -> s.runIds().size()).sum();
    }

    /** The boundaries table's rows ({@link Tables#BOUNDARIES}): per search, a row per flip (one with none). */
    @Override
    List<Row> tableRows() {
        List<Row> rows = new ArrayList<>();
        for (State s : states()) {
            Bracket b = s.bracket();
            StringJoiner points = new StringJoiner(" ");
            s.runIds().keySet().forEach(i -> points.add(search.value(i) + ":"
                    + (b.failed().contains(i) ? "failed" : b.known().get(i) ? "yes" : "no")));
            List<Bracket.Flip> flips = b.flips();
            for (int f = 0; f < Math.max(1, flips.size()); f++) {
                Row r = row(s.base()).set("axis", search.axis()).set("status", b.status().name().toLowerCase(Locale.ROOT))
                        .set("flips", flips.size()).set("runs", s.runIds().size()).set("failed", b.failed().size())
                        .set("points", points.toString()).set("run_ids", String.join(" ", s.runIds().values()))
                        .set("from_siblings", b.hint() != null);
                if (!flips.isEmpty()) {
                    Bracket.Flip flip = flips.get(f);
                    r.set("flip", f + 1).set("lower", number(search.value(flip.lower())))
                            .set("upper", number(search.value(flip.upper()))).set("outcome_above", !flip.below());
                }
                rows.add(r);
            }
        }
        return rows;
    }
}
