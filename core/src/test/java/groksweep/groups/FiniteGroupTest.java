package groksweep.groups;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import groksweep.config.ConfigException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class FiniteGroupTest {

    /** Orders and class counts by hand: S_n's classes are the partitions of n; D_n has (n+3)/2 for odd n, n/2+3 for even. */
    @ParameterizedTest
    @CsvSource({"C7,7,7", "C113,113,113", "D5,10,4", "D6,12,6", "D59,118,31", "D61,122,32", "S3,6,3", "S4,24,5",
            "S5,120,7", "S6,720,11", "A4,12,4", "A5,60,5", "A6,360,7"})
    void orderAndConjugacyClasses(String name, int order, int classes) {
        FiniteGroup g = FiniteGroup.of(name);
        assertEquals(order, g.order());
        assertEquals(classes, g.classes().size());
        assertEquals(order, g.classes().stream().mapToInt(c -> c.length).sum());
        assertArrayEquals(new int[] {0}, g.classes().get(0), "the identity's class is itself");
    }

    @ParameterizedTest
    @CsvSource({"C12", "D7", "D6", "S4", "S5", "A5"})
    void aGroup(String name) {
        FiniteGroup g = FiniteGroup.of(name);
        int n = g.order();
        int[] inverse = g.inverses();
        for (int x = 0; x < n; x++) {
            assertEquals(x, g.multiply(0, x), "identity on the left");
            assertEquals(x, g.multiply(x, 0), "identity on the right");
            assertEquals(0, g.multiply(x, inverse[x]));
            assertEquals(0, g.multiply(inverse[x], x));
            boolean[] seen = new boolean[n];
            for (int y = 0; y < n; y++) {
                seen[g.multiply(x, y)] = true;
                for (int z = 0; z < n; z++) {
                    assertEquals(g.multiply(g.multiply(x, y), z), g.multiply(x, g.multiply(y, z)), "associative");
                }
            }
            for (boolean s : seen) {
                assertEquals(true, s, "each row a permutation");
            }
        }
    }

    @Test
    void cyclicIsAdditionModN() {
        FiniteGroup c = FiniteGroup.of("C23");
        for (int a = 0; a < 23; a++) {
            for (int b = 0; b < 23; b++) {
                assertEquals((a + b) % 23, c.multiply(a, b));
            }
        }
    }

    /** The documented element orders, checked on the smallest cases by hand. */
    @Test
    void elementOrderIsAsDocumented() {
        // S3 in lexicographic order: 012 (e), 021, 102, 120, 201, 210; (x·y)(i) = x(y(i)).
        FiniteGroup s3 = FiniteGroup.of("S3");
        assertEquals(4, s3.multiply(3, 3), "120∘120 = 201");
        assertEquals(4, s3.multiply(1, 2), "021∘102 = 201: y acts first");
        assertEquals(3, s3.multiply(2, 1), "102∘021 = 120: not commutative");
        // D4: r^k = k, s·r^k = 4 + k; r·s = s·r^−1, s² = e.
        FiniteGroup d4 = FiniteGroup.of("D4");
        assertEquals(4 + 3, d4.multiply(1, 4), "r·s = s·r³");
        assertEquals(0, d4.multiply(4, 4));
        assertEquals(2, d4.multiply(4 + 1, 4 + 3), "s·r·s·r³ = r²");
        // A4: the even permutations 0123, 0231, 0312, 1032, ...
        FiniteGroup a4 = FiniteGroup.of("A4");
        assertEquals(12, a4.order());
        assertEquals(2, a4.multiply(1, 1), "0231∘0231 = 0312");
    }

    @Test
    void aGroupNotOfferedIsOneLineNamingWhatIs() {
        for (String bad : new String[] {"S7", "Z5", "C1", "D2", "A2", "s5", "C", "D501", "C99999999999"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> FiniteGroup.of(bad));
            assertEquals("group: '" + bad + "' is not allowed; expected " + FiniteGroup.ALLOWED, e.getMessage());
        }
    }
}
