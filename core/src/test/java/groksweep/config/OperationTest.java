package groksweep.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Map;

class OperationTest {

    /** Hand values at p = 7 for (a, b) = (3, 5) and (6, 2). */
    @Test
    void eachOperationByHand() {
        int[][] expected = { // op: (3, 5), (6, 2)
            {1, 1}, // add: 8, 8
            {5, 4}, // sub: −2, 4
            {1, 5}, // mul: 15, 12
            {2, 3}, // div: 3·5⁻¹ = 3·3 = 9; 6·2⁻¹ = 6·4 = 24
            {6, 5}, // x2_plus_y2: 34, 40
            {0, 3}, // x2_xy_y2: 49, 52
            {3, 2}, // x2_xy_y2_x: 52, 58
            {0, 4}, // x3_xy: 42, 228
            {2, 4}, // x3_xy2_y: 27 + 75 + 5 = 107; 216 + 24 + 2 = 242
        };
        Operation[] ops = Operation.values();
        for (int i = 0; i < ops.length; i++) {
            assertEquals(expected[i][0], ops[i].apply(3, 5, 7), ops[i].key + "(3, 5)");
            assertEquals(expected[i][1], ops[i].apply(6, 2, 7), ops[i].key + "(6, 2)");
        }
    }

    /** b·(a / b) = a for every pair of div at p = 23, and a − b + b = a for sub. */
    @Test
    void divisionAndSubtractionInvertTheirGroupOperation() {
        for (int a = 0; a < 23; a++) {
            for (int b = 0; b < 23; b++) {
                assertEquals(a, Operation.ADD.apply(Operation.SUB.apply(a, b, 23), b, 23));
                if (b != 0) {
                    assertEquals(a, Operation.MUL.apply(Operation.DIV.apply(a, b, 23), b, 23));
                }
            }
        }
    }

    @Test
    void divisionLeavesOutZeroDivisors() {
        assertEquals(42, Operation.DIV.pairs(7));
        assertEquals(49, Operation.MUL.pairs(7));
        assertFalse(Operation.DIV.includes(3, 0));
        assertTrue(Operation.MUL.includes(3, 0));
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 7, "operation", "div", "train_fraction", 0.5));
        assertEquals(21, c.trainPairs());
    }

    @Test
    void mulAndDivNeedAPrimeModulus() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.defaults().with(Map.of("modulus", 57, "operation", "mul")).validate());
        assertEquals("modulus: '57' is not allowed; expected a prime with operation mul"
                + " (b⁻¹ mod p and the group Z_p* exist only for prime p)", e.getMessage());
        TrainConfig.defaults().with(Map.of("modulus", 57, "operation", "x3_xy")).validate(); // any p
        assertEquals("operation: 'pow' is not allowed; expected one of add, sub, mul, div, x2_plus_y2, x2_xy_y2,"
                + " x2_xy_y2_x, x3_xy, x3_xy2_y", assertThrows(ConfigException.class,
                        () -> TrainConfig.defaults().with("operation", "pow").validate()).getMessage());
    }
}
