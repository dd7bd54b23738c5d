package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RowTest {

    @Test
    void valuesAreSetAndReadByName() {
        Row r = Tables.SPECTRA.row().set("k", 3).set("value", 0.5).set("source", "wl");
        assertEquals(3, r.getInt("k"));
        assertEquals(0.5, r.getDouble("value"));
        assertEquals("wl", r.getString("source"));
        assertNull(r.getInt("step"), "unset is null");
    }

    @Test
    void aValueOfAnotherTypeOrAnUnknownColumnIsRefused() {
        Row r = Tables.METRICS.row();
        assertEquals("metrics.step is Integer, not Double (3.0)",
                assertThrows(IllegalArgumentException.class, () -> r.set("step", 3.0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.set("seed", 1L), "metrics has no seed");
        assertThrows(IllegalArgumentException.class, () -> Tables.RUNS.row().set("seed", 1), "seed is a long");
        assertEquals("metrics.step is INT32, not DOUBLE",
                assertThrows(IllegalArgumentException.class, () -> r.getDouble("step")).getMessage());
    }

    @Test
    void rowsCompareListsByValue() {
        Row a = Tables.METRICS.row().set("key_freqs", new int[] {1, 3});
        assertEquals(a, Tables.METRICS.row().set("key_freqs", new int[] {1, 3}));
        assertNotEquals(a, Tables.METRICS.row().set("key_freqs", new int[] {1, 4}));
    }
}
