package groksweep.groups;

import groksweep.config.ConfigException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small finite group as its multiplication table over elements 0 .. |G|−1, element 0 the
 * identity. The element order is fixed, so a run's tokens, labels and split are too:
 * <ul>
 *   <li>{@code C<n>}, cyclic of order n: element k is rotation by k; x·y = x + y mod n (so
 *       {@code C<n>} is {@code operation: add} with {@code modulus: n}, token for token);
 *   <li>{@code D<n>}, dihedral of order 2n (the symmetries of an n-gon): elements r^k (k = 0 ..
 *       n−1) then s·r^k (n + k), with s² = 1 and r·s = s·r^−1;
 *   <li>{@code S<n>}, all permutations of 0 .. n−1 in lexicographic order (the identity first),
 *       with (x·y)(i) = x(y(i)): y acts first;
 *   <li>{@code A<n>}, the even permutations of S_n in the same order.
 * </ul>
 * Chughtai et al. 2023 ("A Toy Model of Universality", arXiv 2302.03025) train on C113, D59, D61,
 * S5, S6 and A5.
 *
 * @param table table[x][y] = x·y
 */
public record FiniteGroup(String name, int[][] table) {
    private static final Pattern NAME = Pattern.compile("([CDSA])(\\d+)");
    /** What the {@code group} option accepts. */
    public static final String ALLOWED = "C<n> (n 3..1000), D<n> (dihedral of order 2n, n 3..500), S<n> or A<n> (n 3..6)";

    private static final java.util.Map<String, FiniteGroup> BUILT = new java.util.concurrent.ConcurrentHashMap<>();

    /** The group for a name such as {@code S5} (built once per JVM); a one-line error naming what is allowed otherwise. */
    public static FiniteGroup of(String name) {
        return BUILT.computeIfAbsent(name, FiniteGroup::build);
    }

    /** Whether {@link #of} takes {@code name}. */
    public static boolean valid(String name) {
        try {
            parse(name);
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    private static Matcher parse(String name) {
        Matcher m = NAME.matcher(name);
        int n = m.matches() && m.group(2).length() <= 4 ? Integer.parseInt(m.group(2)) : -1;
        boolean ok = m.matches() && switch (m.group(1)) {
            case "C" -> n >= 3 && n <= 1000;
            case "D" -> n >= 3 && n <= 500;
            default -> n >= 3 && n <= 6;
        };
        if (!ok) {
            throw new ConfigException("group", name, ALLOWED);
        }
        return m;
    }

    private static FiniteGroup build(String name) {
        Matcher m = parse(name);
        int n = Integer.parseInt(m.group(2));
        return switch (m.group(1)) {
            case "C" -> new FiniteGroup(name, cyclic(n));
            case "D" -> new FiniteGroup(name, dihedral(n));
            case "S" -> new FiniteGroup(name, permutations(n, false));
            default -> new FiniteGroup(name, permutations(n, true));
        };
    }

    public int order() {
        return table.length;
    }

    public int multiply(int x, int y) {
        return table[x][y];
    }

    /** inverse[x]: the y with x·y = e. */
    public int[] inverses() {
        int[] inverse = new int[order()];
        for (int x = 0; x < order(); x++) {
            for (int y = 0; y < order(); y++) {
                if (table[x][y] == 0) {
                    inverse[x] = y;
                }
            }
        }
        return inverse;
    }

    /** The conjugacy classes, each in ascending element order, ordered by their least element. */
    public List<int[]> classes() {
        int[] inverse = inverses();
        int[] classOf = new int[order()];
        Arrays.fill(classOf, -1);
        List<int[]> classes = new ArrayList<>();
        for (int x = 0; x < order(); x++) {
            if (classOf[x] >= 0) {
                continue;
            }
            boolean[] member = new boolean[order()];
            for (int g = 0; g < order(); g++) {
                member[table[table[g][x]][inverse[g]]] = true; // g x g^−1
            }
            int[] c = java.util.stream.IntStream.range(0, order()).filter(y -> member[y]).toArray();
            for (int y : c) {
                classOf[y] = classes.size();
            }
            classes.add(c);
        }
        return classes;
    }

    private static int[][] cyclic(int n) {
        int[][] t = new int[n][n];
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                t[x][y] = (x + y) % n;
            }
        }
        return t;
    }

    /** r^a = a, s·r^a = n + a; r^a·r^b = r^(a+b), r^a·s·r^b = s·r^(b−a), s·r^a·r^b = s·r^(a+b), s·r^a·s·r^b = r^(b−a). */
    private static int[][] dihedral(int n) {
        int[][] t = new int[2 * n][2 * n];
        for (int x = 0; x < 2 * n; x++) {
            for (int y = 0; y < 2 * n; y++) {
                int a = x % n;
                int b = y % n;
                boolean sx = x >= n;
                boolean sy = y >= n;
                int rotation = sy ? Math.floorMod(b - a, n) : Math.floorMod(a + b, n);
                t[x][y] = (sx ^ sy ? n : 0) + rotation;
            }
        }
        return t;
    }

    private static int[][] permutations(int n, boolean evenOnly) {
        List<int[]> all = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, all);
        List<int[]> elements = evenOnly ? all.stream().filter(FiniteGroup::even).toList() : all;
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < elements.size(); i++) {
            index.put(Arrays.toString(elements.get(i)), i);
        }
        int[][] t = new int[elements.size()][elements.size()];
        for (int x = 0; x < elements.size(); x++) {
            for (int y = 0; y < elements.size(); y++) {
                int[] px = elements.get(x);
                int[] py = elements.get(y);
                int[] xy = new int[n];
                for (int i = 0; i < n; i++) {
                    xy[i] = px[py[i]];
                }
                t[x][y] = index.get(Arrays.toString(xy));
            }
        }
        return t;
    }

    /** All permutations of 0 .. n−1 in lexicographic order. */
    private static void permute(int[] prefix, boolean[] used, int at, List<int[]> out) {
        if (at == prefix.length) {
            out.add(prefix.clone());
            return;
        }
        for (int v = 0; v < prefix.length; v++) {
            if (!used[v]) {
                used[v] = true;
                prefix[at] = v;
                permute(prefix, used, at + 1, out);
                used[v] = false;
            }
        }
    }

    private static boolean even(int[] p) {
        int inversions = 0;
        for (int i = 0; i < p.length; i++) {
            for (int j = i + 1; j < p.length; j++) {
                if (p[i] > p[j]) {
                    inversions++;
                }
            }
        }
        return inversions % 2 == 0;
    }
}
