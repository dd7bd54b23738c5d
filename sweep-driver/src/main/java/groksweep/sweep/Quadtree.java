package groksweep.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a two-axis search knows of its outcome on the lattice (0..lastX) × (0..lastY), and which
 * points to train next: a quadtree over the plane. It starts from a coarse grid of about
 * {@link #COARSE} cells per axis; a cell whose four corners disagree is split in two along each
 * axis still wider than one lattice step, and its new corners trained, round after round, until
 * every such cell is one step wide. A cell whose corners agree is taken as uniform, and so is an
 * edge whose two ends agree: the midpoint of such an edge takes its ends' outcome untrained, so
 * a boundary costs the points on the edges it crosses and the cells' centres. A trained point
 * that says otherwise (a grid's run in the same output) splits the cell, or keeps the edge's
 * midpoint to be trained. What is not seen is anything smaller than the cell it would hide in
 * and untrained: an island inside a cell whose corners agree, or a boundary that crosses one
 * edge twice. Points are keyed {@code i * (lastY + 1) + j}.
 */
public record Quadtree(int lastX, int lastY, Map<Integer, String> known, Set<Integer> failed) {

    /** Cells per axis of the first round's grid (fewer where the lattice is smaller). */
    static final int COARSE = 4;

    /** A leaf cell: lattice corners (x0, y0)–(x1, y1), and its outcome or "mixed" (corners disagree at the finest step). */
    public record Cell(int x0, int x1, int y0, int y1, String outcome) {}

    public Quadtree {
        known = new TreeMap<>(known);
        failed = new TreeSet<>(failed);
    }

    public int key(int i, int j) {
        return i * (lastY + 1) + j;
    }

    /** The leaves reached so far; "pending" for a cell with untrained corners, "unresolved" for one with failed ones. */
    public List<Cell> leaves() {
        return walk().leaves;
    }

    /** The points taken untrained from the ends of their edge, with the outcome they were given. */
    public Map<Integer, String> inferred() {
        return walk().inferred;
    }

    /** The trained points the tree rests on: the corners of the cells it visits (of the known, fewer may be read). */
    public Set<Integer> used() {
        return walk().used;
    }

    /** What one walk of the tree finds. */
    private record Walk(List<Cell> leaves, Map<Integer, String> inferred, Set<Integer> used) {}

    private Walk walk() {
        Walk w = new Walk(new ArrayList<>(), new TreeMap<>(), new TreeSet<>());
        List<Integer> xs = coarse(lastX), ys = coarse(lastY);
        for (int a = 0; a + 1 < xs.size(); a++) {
            for (int b = 0; b + 1 < ys.size(); b++) {
                refine(xs.get(a), xs.get(a + 1), ys.get(b), ys.get(b + 1), w);
            }
        }
        return w;
    }

    /**
     * Adds the leaves of cell (x0, y0)–(x1, y1) to the walk. A cell whose corners agree is a leaf
     * unless a trained point inside it or on its edges says otherwise. A point is born once, as a
     * corner of the coarse grid, a cell's centre or the midpoint of an edge (the same edge from
     * both cells that share it), so what is inferred does not depend on the walk's order.
     */
    private void refine(int x0, int x1, int y0, int y1, Walk w) {
        int[] corners = {key(x0, y0), key(x0, y1), key(x1, y0), key(x1, y1)};
        Set<String> seen = new TreeSet<>();
        for (int k : corners) {
            if (failed.contains(k)) {
                w.leaves.add(new Cell(x0, x1, y0, y1, "unresolved"));
                return;
            }
            String o = known.getOrDefault(k, w.inferred.get(k));
            if (o == null) {
                w.leaves.add(new Cell(x0, x1, y0, y1, "pending"));
                return;
            }
            if (known.containsKey(k)) {
                w.used.add(k);
            }
            seen.add(o);
        }
        boolean uniform = seen.size() == 1 && !contradicted(x0, x1, y0, y1, seen.iterator().next());
        if (uniform || x1 - x0 <= 1 && y1 - y0 <= 1) {
            w.leaves.add(new Cell(x0, x1, y0, y1, seen.size() == 1 ? seen.iterator().next() : "mixed"));
            return;
        }
        int xm = x1 - x0 > 1 ? (x0 + x1) / 2 : x0, ym = y1 - y0 > 1 ? (y0 + y1) / 2 : y0;
        if (xm != x0) { // the midpoints of the edges along x
            infer(key(xm, y0), x0, x1, y0, y0, w);
            infer(key(xm, y1), x0, x1, y1, y1, w);
        }
        if (ym != y0) {
            infer(key(x0, ym), x0, x0, y0, y1, w);
            infer(key(x1, ym), x1, x1, y0, y1, w);
        }
        for (int[] x : xm == x0 ? new int[][] {{x0, x1}} : new int[][] {{x0, xm}, {xm, x1}}) {
            for (int[] y : ym == y0 ? new int[][] {{y0, y1}} : new int[][] {{y0, ym}, {ym, y1}}) {
                refine(x[0], x[1], y[0], y[1], w);
            }
        }
    }

    /**
     * The untrained midpoint {@code mid} of the edge (x0, y0)–(x1, y1) takes the outcome of its
     * ends where they agree and no trained point on the edge says otherwise.
     */
    private void infer(int mid, int x0, int x1, int y0, int y1, Walk w) {
        String a = known.getOrDefault(key(x0, y0), w.inferred.get(key(x0, y0)));
        String b = known.getOrDefault(key(x1, y1), w.inferred.get(key(x1, y1)));
        if (!known.containsKey(mid) && !failed.contains(mid) && a != null && a.equals(b) && !contradicted(x0, x1, y0, y1, a)) {
            w.inferred.put(mid, a);
        }
    }

    /** Whether a trained point in the rectangle (x0, y0)–(x1, y1), edges included, has another outcome than {@code o}. */
    private boolean contradicted(int x0, int x1, int y0, int y1, String o) {
        for (int i = x0; i <= x1; i++) {
            for (int j = y0; j <= y1; j++) {
                String k = known.get(key(i, j));
                if (k != null && !k.equals(o)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The untrained corners of pending leaves: the next round's points, as keys. */
    public List<Integer> next() {
        Set<Integer> out = new TreeSet<>();
        Walk w = walk();
        for (Cell c : w.leaves) {
            if (c.outcome().equals("pending")) {
                for (int k : new int[] {key(c.x0(), c.y0()), key(c.x0(), c.y1()), key(c.x1(), c.y0()), key(c.x1(), c.y1())}) {
                    if (!known.containsKey(k) && !failed.contains(k) && !w.inferred.containsKey(k)) {
                        out.add(k);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** OPEN while points remain; else NONE (one outcome everywhere), UNRESOLVED (failed corners) or RESOLVED. */
    public Bracket.Status status() {
        if (!next().isEmpty()) {
            return Bracket.Status.OPEN;
        }
        List<Cell> leaves = leaves();
        if (leaves.stream().anyMatch(c -> c.outcome().equals("unresolved"))) {
            return Bracket.Status.UNRESOLVED;
        }
        return leaves.stream().map(Cell::outcome).distinct().count() == 1 ? Bracket.Status.NONE : Bracket.Status.RESOLVED;
    }

    /** The coarse grid's lattice indices on 0..last: about COARSE cells, every index when fewer. */
    static List<Integer> coarse(int last) {
        Set<Integer> out = new TreeSet<>();
        int cells = Math.min(COARSE, last);
        for (int c = 0; c <= cells; c++) {
            out.add((int) Math.round((double) c * last / cells));
        }
        return List.copyOf(out);
    }

    /**
     * The points a search trains on this lattice when one straight boundary crosses the plane
     * (outcome changes where i/lastX + j/lastY crosses 1): an estimate of what a phase line costs.
     */
    public static int expected(int lastX, int lastY) {
        Quadtree q = new Quadtree(lastX, lastY, Map.of(), Set.of());
        for (List<Integer> next = q.next(); !next.isEmpty(); next = q.next()) {
            Map<Integer, String> known = new TreeMap<>(q.known());
            for (int k : next) {
                int i = k / (lastY + 1), j = k % (lastY + 1);
                known.put(k, (double) i / lastX + (double) j / lastY < 1 ? "no" : "yes");
            }
            q = new Quadtree(lastX, lastY, known, Set.of());
        }
        return q.known().size();
    }
}
