package groksweep.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

/**
 * Run ids are the key of every results root: a rerun skips the runs whose id is committed. These
 * ids were computed by groksweep 0.1.0 and are frozen here. A new trainer option must leave them
 * unchanged (it is left out of the id at its neutral default; see {@link TrainConfig#runId}), or
 * an upgrade would silently retrain every existing sweep beside its old results.
 */
class RunIdGoldenTest {

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("75cbe7ed23680040", Map.of()), // the defaults: Nanda et al.'s run at p = 113
                // the laptop sweep (conf/sweeps/laptop.yaml): two of its eight runs
                Arguments.of("d4110a3e575b4cdc", Map.of("modulus", 59, "train_fraction", 0.5, "weight_decay", 1.0,
                        "seed", 0, "steps", 3000, "stop_after_grok", 300, "analysis_every", 100)),
                Arguments.of("9c61a8a02882563a", Map.of("modulus", 59, "train_fraction", 0.3, "weight_decay", 0.0,
                        "seed", 1, "steps", 3000, "stop_after_grok", 300, "analysis_every", 100)),
                // conf/sweeps/nanda2023.yaml
                Arguments.of("2013e610af8b2164", Map.of("modulus", 113, "train_fraction", 0.25, "weight_decay", 1.0,
                        "seed", 4, "steps", 40000, "stop_after_grok", 2000, "analysis_every", 200)),
                Arguments.of("fca8dda3840eba9a", Map.of("modulus", 23, "dtype", "float64", "lr", 3e-4, "eps", 1e-9,
                        "warmup_steps", 0, "d_model", 64, "d_mlp", 256)),
                Arguments.of("bb9cda5d6462a9e4", Map.of("modulus", 47, "seed", 2, "data_seed", 5, "init_seed", 9,
                        "beta1", 0.8, "beta2", 0.999, "n_heads", 8)),
                Arguments.of("77625d219cc18984", Map.of("modulus", 31, "train_fraction", 0.6, "weight_decay", 0.03,
                        "eval_every", 25, "analysis_every", 0, "key_freq_min_neurons", 3, "steps", 6000)),
                // runs of the 0.1.0 results fixture (src/test/resources/results-v0.1.0)
                Arguments.of("51396145c7d32511", Map.of("modulus", 23, "train_fraction", 0.8, "seed", 0, "steps", 5000,
                        "eval_every", 50, "analysis_every", 500, "stop_after_grok", 200)),
                Arguments.of("fdfd18916982e49f", Map.of("modulus", 23, "lr", 1e30, "steps", 200, "eval_every", 50)));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void runIdsOfExistingConfigsNeverChange(String runId, Map<String, Object> options) {
        assertEquals(runId, TrainConfig.defaults().with(options).validate().runId());
    }
}
