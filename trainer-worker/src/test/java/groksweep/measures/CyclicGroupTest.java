package groksweep.measures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

class CyclicGroupTest {

    /** The least primitive roots (OEIS A001918) and the discrete logarithm as the inverse of g^i. */
    @ParameterizedTest
    @CsvSource({"7, 3", "11, 2", "23, 5", "59, 2", "113, 3"})
    void generatorAndDiscreteLog(int p, int g) {
        CyclicGroup group = CyclicGroup.of(p);
        assertEquals(g, group.generator());
        int[] sorted = group.power().clone();
        Arrays.sort(sorted);
        for (int x = 1; x < p; x++) {
            assertEquals(x, sorted[x - 1], "g^i runs over all of Z_p*");
            assertEquals(x, group.power()[group.log()[x]]);
        }
        for (int a = 1; a < p; a++) { // multiplication is addition of logs mod p − 1
            for (int b = 1; b < p; b++) {
                assertEquals(group.log()[a * b % p], (group.log()[a] + group.log()[b]) % (p - 1));
            }
        }
    }

    @Test
    void compositeModuliHaveNoCyclicGroup() {
        assertThrows(IllegalArgumentException.class, () -> CyclicGroup.of(57));
    }
}
