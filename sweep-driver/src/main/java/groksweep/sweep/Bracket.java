package groksweep.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What one search knows of its outcome on the lattice 0..{@code last} of its axis, and which points
 * to train next. Points are lattice indices; {@code known} maps each trained point to its outcome,
 * {@code failed} holds points whose run failed (never chosen again, and no evidence either way).
 *
 * <p>A boundary is a flip: two neighbouring known points with different outcomes. A search first
 * trains both ends of the range and evenly spread points between; then, round after round, points
 * spread evenly inside each flip wider than one lattice step (k-section, k − 1 points per flip).
 * It ends when every flip is one step wide. More than one flip: the outcome is not monotone on the
 * axis, and every flip is refined alike.
 *
 * <p>A search with a {@code hint} (its siblings' median boundary, or the flip of a sibling still
 * open, {@link BracketSearches}) starts instead from the hint's two points. If they bracket, that
 * flip is its own (found in two runs when the hint is one step wide); if they agree, it trains the
 * one end of the range the boundary must lie towards (the hint's direction), then bisects as any
 * search. A flip it finds needs no ends: as in bisection, the outcome is taken as monotone.
 */
public record Bracket(int last, Map<Integer, Boolean> known, Set<Integer> failed, Flip hint) {

    public enum Status {
        /** Points remain to train. */
        OPEN,
        /** One flip, one lattice step wide. */
        RESOLVED,
        /** More than one flip, each as narrow as the lattice or its failed runs allow. */
        NOT_MONOTONE,
        /** Every known point has the same outcome: no boundary in the range. */
        NONE,
        /** A flip (or an end of the range) that failed runs keep from being narrowed. */
        UNRESOLVED
    }

    /** Two neighbouring known points with different outcomes; {@code below} is the outcome at {@code lower}. */
    public record Flip(int lower, int upper, boolean below) {}

    public Bracket {
        known = new TreeMap<>(known);
        failed = new TreeSet<>(failed);
    }

    /** A search from the range's ends, with no hint. */
    public Bracket(int last, Map<Integer, Boolean> known, Set<Integer> failed) {
        this(last, known, failed, null);
    }

    /** The neighbouring known points whose outcomes differ, lowest first. */
    public List<Flip> flips() {
        List<Flip> out = new ArrayList<>();
        Map.Entry<Integer, Boolean> previous = null;
        for (Map.Entry<Integer, Boolean> e : known.entrySet()) {
            if (previous != null && !previous.getValue().equals(e.getValue())) {
                out.add(new Flip(previous.getKey(), e.getKey(), previous.getValue()));
            }
            previous = e;
        }
        return out;
    }

    /**
     * The points to train next, with {@code k} new points in each open flip (fewer where the
     * lattice has fewer); before the ends are known, both ends and {@code k} points between. While
     * one end is still unknown, the points after it are those bisection would choose if that end's
     * outcome differed from the known point nearest it: a run wasted only where there is no boundary.
     */
    public List<Integer> next(int k) {
        if (hint != null && !flips().isEmpty()) {
            return inFlips(k);
        } else if (hint != null) {
            List<Integer> first = Stream.of(hint.lower(), hint.upper()).filter(this::untried).toList();
            if (known.isEmpty() || Set.of(hint.lower(), hint.upper()).containsAll(known.keySet()) && !first.isEmpty()) {
                return first;
            }
            int end = towards();
            return untried(end) ? List.of(end) : List.of();
        }
        if (!known.containsKey(0) || !known.containsKey(last)) {
            if (failed.contains(0) || failed.contains(last)) {
                return List.of();
            }
            List<Integer> points = new ArrayList<>(Stream.of(0, last).filter(i -> !known.containsKey(i)).toList());
            if (known.keySet().stream().noneMatch(i -> i > 0 && i < last)) {
                TreeSet<Integer> first = new TreeSet<>(points);
                first.addAll(spread(0, last, k));
                return List.copyOf(first);
            } else if (points.size() == 1 && flips().isEmpty()) { // bisect towards the end still training
                int end = points.get(0), nearest = end == 0 ? Collections.min(known.keySet()) : Collections.max(known.keySet());
                points.addAll(spread(Math.min(end, nearest), Math.max(end, nearest), k));
            } else {
                points.addAll(inFlips(k));
            }
            return points;
        }
        return inFlips(k);
    }

    /**
     * The end of the range a hinted search goes to when the points it knows agree: the boundary lies
     * beyond them, towards the end with the other outcome.
     */
    private int towards() {
        return known.values().iterator().next() == hint.below() ? last : 0;
    }

    private List<Integer> inFlips(int k) {
        List<Integer> out = new ArrayList<>();
        for (Flip f : flips()) {
            out.addAll(spread(f.lower(), f.upper(), k));
        }
        return out;
    }

    private boolean untried(int i) {
        return !known.containsKey(i) && !failed.contains(i);
    }

    /** Up to k untried points strictly between a and b, as evenly spaced as the lattice allows. */
    private List<Integer> spread(int a, int b, int k) {
        List<Integer> free = new ArrayList<>();
        for (int i = a + 1; i < b; i++) {
            if (!known.containsKey(i) && !failed.contains(i)) {
                free.add(i);
            }
        }
        if (free.size() <= k) {
            return free;
        }
        TreeSet<Integer> chosen = new TreeSet<>();
        for (int j = 1; j <= k; j++) { // the free point nearest each ideal position a + j(b − a)/(k + 1)
            double ideal = a + (double) j * (b - a) / (k + 1);
            free.stream().filter(i -> !chosen.contains(i))
                    .min(Comparator.comparingDouble(i -> Math.abs(i - ideal))).ifPresent(chosen::add);
        }
        return List.copyOf(chosen);
    }

    public Status status() {
        if (!next(1).isEmpty()) {
            return Status.OPEN;
        }
        List<Flip> flips = flips();
        if (hint != null && flips.isEmpty()) { // the end it went to is known (no boundary) or failed
            return !known.isEmpty() && known.containsKey(towards()) ? Status.NONE : Status.UNRESOLVED;
        } else if (hint == null && (!known.containsKey(0) || !known.containsKey(last))) {
            return Status.UNRESOLVED;
        } else if (flips.isEmpty()) {
            return Status.NONE;
        } else if (flips.size() > 1) {
            return Status.NOT_MONOTONE;
        }
        return flips.get(0).upper() - flips.get(0).lower() == 1 ? Status.RESOLVED : Status.UNRESOLVED;
    }

    /**
     * How many points a search on a lattice of {@code last + 1} points trains with {@code k} points
     * per flip and round when its outcome is monotone: the mean over every place the boundary can
     * be (and the two with no boundary in the range), and the rounds it takes at most.
     */
    public static double[] expected(int last, int k) {
        double runs = 0;
        int rounds = 0;
        for (int b = 0; b <= last + 1; b++) { // outcome true from point b on; b = 0 or last + 1: no boundary
            int[] r = simulate(last, k, b);
            runs += r[0];
            rounds = Math.max(rounds, r[1]);
        }
        return new double[] {runs / (last + 2), rounds};
    }

    /** The runs a search from the range's ends trains when the outcome is true from point b on. */
    public static int runs(int last, int k, int b) {
        return simulate(last, k, b)[0];
    }

    private static int[] simulate(int last, int k, int b) {
        Bracket s = new Bracket(last, Map.of(), Set.of());
        int round = 0;
        for (List<Integer> next = s.next(k); !next.isEmpty(); next = s.next(k)) {
            Map<Integer, Boolean> known = new TreeMap<>(s.known());
            for (int i : next) {
                known.put(i, i >= b);
            }
            s = new Bracket(last, known, Set.of());
            round++;
        }
        return new int[] {s.known().size(), round};
    }
}
