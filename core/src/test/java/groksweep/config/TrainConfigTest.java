package groksweep.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

class TrainConfigTest {

    @Test
    void runIdIsStableAndIgnoresOrder() {
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("modulus", 47);
        ab.put("weight_decay", 0.5);
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("weight_decay", 0.5);
        ba.put("modulus", 47);
        TrainConfig c = TrainConfig.defaults().with(ab);
        assertEquals(c.runId(), TrainConfig.defaults().with(ba).runId());
        assertEquals(16, c.runId().length());
        assertNotEquals(c.runId(), c.with(Map.of("seed", 1)).runId());
    }

    @Test
    void derivedDefaultsFollowTheirSource() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("seed", 7, "d_mlp", 1024, "d_model", 256));
        assertEquals(7, c.dataSeed());
        assertEquals(7, c.initSeed());
        assertEquals(10, c.keyFreqMinNeurons());
        assertEquals(64, c.dHead());
        assertEquals(3, c.with(Map.of("seed", 7, "data_seed", 3)).dataSeed());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "modulus        | 2     | modulus: '2' is not allowed; expected an integer from 3 to 46340 (p² pairs are indexed by a 32-bit integer)",
        "modulus        | 200003 | modulus: '200003' is not allowed; expected an integer from 3 to 46340 (p² pairs are indexed by a 32-bit integer)",
        "train_fraction | 1.0   | train_fraction: '1.0' is not allowed; expected a number in (0, 1)",
        "train_fraction | 0.0   | train_fraction: '0.0' is not allowed; expected a number in (0, 1)",
        "steps          | 0     | steps: '0' is not allowed; expected an integer > 0",
        "weight_decay   | -0.1  | weight_decay: '-0.1' is not allowed; expected a number ≥ 0",
        "dtype          | int8  | dtype: 'int8' is not allowed; expected float32 or float64",
        "batch_size     | 3831  | batch_size: '3831' is not allowed; expected 0 (full batch) or an integer from 1 to 3830, the train pairs",
        "batch_size     | -1    | batch_size: '-1' is not allowed; expected an integer ≥ 0 (0: full batch)",
        "label_noise    | 1.0   | label_noise: '1.0' is not allowed; expected a number in [0, 1)",
        "llc_every      | 15    | llc_every: '15' is not allowed; expected 0 or a multiple of eval_every (10)",
        "muon_lr        | 0.05  | muon_lr: '0.05' is not allowed; expected its default 0.02 unless optimizer: muon (it has no effect otherwise)",
    })
    void outOfRangeNamesTheOptionValueAndRange(String key, String value, String message) {
        Object v = key.equals("dtype") ? value : (Object) Double.parseDouble(value);
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfig.defaults().with(Map.of(key, v)).validate());
        assertEquals(message, e.getMessage());
        assertEquals(key, e.key());
    }

    /** Each declaration is whole: packing said, documented, its default of its type and allowed, names unique. */
    @Test
    void everyOptionIsDeclaredWhole() {
        for (Option<?> o : TrainConfig.OPTIONS) {
            org.junit.jupiter.api.Assertions.assertNotNull(o.packing(), o.name + ": shared by a pack or each run's own");
            org.junit.jupiter.api.Assertions.assertTrue(o.doc.length() > 10, o.name);
            assertEquals(o.type, TrainConfig.defaults().value(o.name).getClass(), o.name);
        }
        assertEquals(TrainConfig.OPTIONS.size(), TrainConfig.keys().size(), "names are unique");
        TrainConfig.defaults().validate();
    }

    @Test
    void wrongKindsAndUnknownKeysAreRejected() {
        assertEquals("steps: '1.5' is not allowed; expected a whole number",
                assertThrows(ConfigException.class, () -> TrainConfig.defaults().with(Map.of("steps", 1.5))).getMessage());
        assertEquals("modulus: 'abc' is not allowed; expected a number",
                assertThrows(ConfigException.class, () -> TrainConfig.defaults().with(Map.of("modulus", "abc"))).getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> TrainConfig.defaults().with(Map.of("modulos", 3)));
        assertEquals("modulos", unknown.key());
    }
}
