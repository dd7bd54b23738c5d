package groksweep.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

class SweepSpecTest {
    static final String BASE = "name: t\noutput: out\n";

    @Test
    void gridExpandsToEveryCombinationLongestFirst() {
        SweepSpec s = SweepSpec.parse(BASE + "grid:\n  seed: [0, 1, 2]\n  train_fraction: [0.3, 0.6]\n"
                + "trainer:\n  modulus: 23\n  steps: 100\n");
        List<TrainConfig> runs = Grid.expand(s);
        assertEquals(6, runs.size());
        assertEquals(List.of(0.6, 0.6, 0.6, 0.3, 0.3, 0.3), runs.stream().map(TrainConfig::trainFraction).toList());
        assertEquals(List.of(0L, 1L, 2L, 0L, 1L, 2L), runs.stream().map(TrainConfig::seed).toList());
        assertEquals(6, runs.stream().map(TrainConfig::runId).distinct().count());
        assertEquals(23, runs.get(0).modulus());
        assertEquals(1L, runs.get(1).dataSeed(), "seed moves the data and init seeds");
    }

    /** A list of grids runs their runs together, each once; a single grid keeps the hash it had as a mapping. */
    @Test
    void aListOfGridsRunsTheirUnion() {
        SweepSpec s = SweepSpec.parse(BASE + """
                grid:
                  - {group: [S3, D3], train_fraction: [0.5], seed: [0, 1]}
                  - {group: [A4], train_fraction: [0.3, 0.5], seed: [0]}
                  - {group: [S3], train_fraction: [0.5], seed: [1, 2]}
                trainer:
                  steps: 100
                """);
        List<String> runs = Grid.expand(s).stream().map(c -> c.group() + " " + c.trainFraction() + " " + c.seed()).toList();
        assertEquals(List.of("A4 0.5 0", "A4 0.3 0", "S3 0.5 0", "D3 0.5 0", "S3 0.5 1", "D3 0.5 1", "S3 0.5 2"), runs,
                "4 + 2 + 2 combinations, S3 0.5 seed 1 once; longest first (A4 has 144 pairs, S3 and D3 36)");
        assertEquals(List.of("train_fraction", "seed", "group"), s.axes(), "the options that vary, in the trainer's order");

        String one = BASE + "grid:\n  seed: [0, 1]\ntrainer:\n  steps: 10\n";
        assertEquals(SweepSpec.parse(one).hash(), SweepSpec.parse(BASE + "grid:\n  - seed: [0, 1]\ntrainer:\n  steps: 10\n").hash(),
                "a list of one grid is that grid");
        assertEquals("9f5fab79ae86b196", SweepSpec.parse(one).hash(),
                "the hash of a one-grid spec: the same after lists of grids, and after options added at their neutral default");
    }

    @Test
    void runIdsAndHashDoNotDependOnKeyOrder() {
        SweepSpec a = SweepSpec.parse(BASE + "grid:\n  seed: [0, 1]\n  weight_decay: [0.0, 1.0]\ntrainer:\n  steps: 10\n  modulus: 7\n");
        SweepSpec b = SweepSpec.parse("output: out\ntrainer:\n  modulus: 7\n  steps: 10\nname: t\n"
                + "grid:\n  weight_decay: [0.0, 1.0]\n  seed: [0, 1]\n");
        assertEquals(Grid.expand(a).stream().map(TrainConfig::runId).toList(),
                Grid.expand(b).stream().map(TrainConfig::runId).toList());
        assertEquals(a.hash(), b.hash());
        // a run of the grid has the id of the same options given directly, and that id is frozen
        String id = TrainConfig.defaults().with(Map.of("modulus", 7, "steps", 10, "seed", 1, "weight_decay", 0.0)).runId();
        assertEquals("e46f70f4af2f949e", id);
        assertTrue(Grid.expand(a).stream().map(TrainConfig::runId).toList().contains(id));
        assertNotEquals(a.hash(), SweepSpec.parse(BASE + "grid:\n  seed: [0, 2]\n").hash());
    }

    /** Secret settings are redacted in the saved spec, so its hash does not depend on their values. */
    @Test
    void secretSettingsAreRedactedAndLeaveTheHashAlone() {
        String spec = BASE + "spark:\n  spark.hadoop.fs.s3a.secret.key: %s\n  spark.executor.memory: %s\n";
        SweepSpec a = SweepSpec.parse(spec.formatted("s3cr3t-one", "2g"));
        assertEquals(a.hash(), SweepSpec.parse(spec.formatted("s3cr3t-two", "2g")).hash());
        assertNotEquals(a.hash(), SweepSpec.parse(spec.formatted("s3cr3t-one", "4g")).hash());
        assertTrue(a.canonical().contains("spark.hadoop.fs.s3a.secret.key: '*********(redacted)'"), a.canonical());
        assertTrue(!a.canonical().contains("s3cr3t") && !a.toString().contains("s3cr3t"), a.toString());
        assertEquals("s3cr3t-one", a.hadoopSettings().get("fs.s3a.secret.key"), "the run itself still gets it");
    }

    @Test
    void aTwoAxisSearchHasALatticePerAxis() {
        SweepSpec s = SweepSpec.parse("name: t\noutput: o\ngrid:\n  seed: [0, 1]\nsearch:\n  axis: [weight_decay, train_fraction]\n"
                + "  range: [[0, 3], [0.2, 0.8]]\n  resolution: [0.25, 0.05]\n  outcome: phase\n");
        Search search = s.search();
        assertTrue(search.plane());
        assertEquals(12, search.axes().get(0).last());
        assertEquals(12, search.axes().get(1).last());
        TrainConfig c = search.point(Grid.expand(s).get(0), 3, 7);
        assertEquals(0.75, c.get(TrainConfig.WEIGHT_DECAY));
        assertEquals(0.55, c.trainFraction(), "0.2 + 7 × 0.05 exactly");
        assertTrue(s.canonical().contains("axis: [weight_decay, train_fraction]"), s.canonical());
    }

    @Test
    void anAxisIsCheckedWithTheOtherAxesOfItsGrid() {
        SweepSpec s = SweepSpec.parse("name: t\noutput: o\ngrid:\n  - {optimizer: [adamw], seed: [0]}\n"
                + "  - {optimizer: [muon], muon_lr: [0.005, 0.05], seed: [0]}\n");
        assertEquals(3, Grid.expand(s).size(), "muon_lr is allowed beside optimizer: [muon]");
        ConfigException e = assertThrows(ConfigException.class, () -> SweepSpec.parse(
                "name: t\noutput: o\ngrid:\n  optimizer: [adamw]\n  muon_lr: [0.005]\n"));
        assertTrue(e.getMessage().startsWith("grid.muon_lr (line 4): '0.005' is not allowed; expected its default 0.02"
                + " unless optimizer: muon"), e.getMessage());
    }

    @Test
    void aSearchHasOneLatticeOfExactValuesPerGridCombination() {
        String grid = "name: t\noutput: o\ngrid:\n  weight_decay: [0.3, 1.0]\n  seed: [0, 1]\n";
        SweepSpec s = SweepSpec.parse(grid + "search:\n  axis: train_fraction\n  range: [0.1, 0.9]\n"
                + "  resolution: 0.025\n  outcome: grokked\n");
        Search search = s.search();
        assertEquals(32, search.last());
        assertEquals(0.1, search.value(0));
        assertEquals(0.175, search.value(3), "lo + 3 × resolution, not 0.17500000000000002");
        assertEquals(0.9, search.value(32));
        assertEquals(4, Grid.expand(s).size(), "one search per combination of the grid's axes");
        assertEquals(0.175, search.point(Grid.expand(s).get(0), 3).trainFraction());
        assertTrue(s.canonical().contains("search:"), s.canonical());
        assertNotEquals(SweepSpec.parse(grid).hash(), s.hash(), "the search enters the hash");
        SweepSpec uneven = SweepSpec.parse("name: t\noutput: o\nsearch:\n  axis: steps\n  range: [100, 1000]\n"
                + "  resolution: 400\n  outcome: test_loss_below\n  threshold: 0.5\n");
        assertEquals(List.of(100, 500, 900, 1000), java.util.stream.IntStream.rangeClosed(0, uneven.search().last())
                .mapToObj(uneven.search()::value).toList(), "the last step is shorter");
        assertEquals(0.5, uneven.search().threshold());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "unknown top key     | \"name: t\\noutput: o\\ncolour: red\\n\"              | colour (line 3): unknown key; expected one of [checkpoint_every, device, grid, name, output, pack_size, run_timeout_seconds, search, spark, threads_per_run, trainer]",
        "missing name        | \"output: o\\n\"                                      | name: missing; the spec must give it",
        "missing output      | \"name: t\\n\"                                        | output: missing; the spec must give it",
        "bad name            | \"name: ../x\\noutput: o\\n\"                           | name (line 1): '../x' is not allowed; expected letters, digits, '_', '.' or '-'",
        "escaping output     | \"name: t\\noutput: results/../../etc\\n\"             | output (line 2): 'results/../../etc' is not allowed; expected a path without '..'",
        "unknown axis        | \"name: t\\noutput: o\\ngrid:\\n  modulos: [7]\\n\"     | grid.modulos (line 4): unknown trainer option; expected one of",
        "empty axis          | \"name: t\\noutput: o\\ngrid:\\n  seed: []\\n\"         | grid.seed (line 4): empty axis; expected at least one value",
        "axis not a list     | \"name: t\\noutput: o\\ngrid:\\n  seed: 3\\n\"          | grid.seed (line 4): expected a list of values, e.g. [0.3, 0.5]",
        "duplicate values    | \"name: t\\noutput: o\\ngrid:\\n  seed: [1, 2, 1]\\n\"  | grid.seed (line 4): duplicate value '1'",
        "out of range axis   | \"name: t\\noutput: o\\ngrid:\\n  modulus: [7, 2]\\n\"  | grid.modulus (line 4): '2' is not allowed; expected an integer from 3 to 46340",
        "wrong type axis     | \"name: t\\noutput: o\\ngrid:\\n  train_fraction: [a]\\n\" | grid.train_fraction (line 4): 'a' is not allowed; expected a number",
        "fraction range      | \"name: t\\noutput: o\\ntrainer:\\n  train_fraction: 1.5\\n\" | trainer.train_fraction (line 4): '1.5' is not allowed; expected a number in (0, 1)",
        "unknown trainer key | \"name: t\\noutput: o\\ntrainer:\\n  stepz: 5\\n\"       | trainer.stepz (line 4): unknown trainer option; expected one of",
        "both grid and fixed | \"name: t\\noutput: o\\ngrid:\\n  seed: [1]\\ntrainer:\\n  seed: 2\\n\" | trainer.seed (line 6): also a grid axis; give it in one place",
        "negative timeout    | \"name: t\\noutput: o\\nrun_timeout_seconds: -5\\n\"      | run_timeout_seconds (line 3): '-5' is not allowed; expected a whole number ≥ 0",
        "zero threads        | \"name: t\\noutput: o\\nthreads_per_run: 0\\n\"           | threads_per_run (line 3): '0' is not allowed; expected a whole number ≥ 1",
        "zero pack size      | \"name: t\\noutput: o\\npack_size: 0\\n\"                 | pack_size (line 3): '0' is not allowed; expected a whole number ≥ 1",
        "huge pack size      | \"name: t\\noutput: o\\npack_size: 1000\\n\"              | pack_size (line 3): '1000' is not allowed; expected a whole number from 1 to 256",
        "spark key           | \"name: t\\noutput: o\\nspark:\\n  master: local\\n\"     | spark.master (line 4): expected a Spark setting starting with 'spark.'",
        "java type tag       | \"name: t\\noutput: !!javax.script.ScriptEngineManager [x]\\n\" | spec: not valid YAML at line 2: Global tag is not allowed: tag:yaml.org,2002:javax.script.ScriptEngineManager",
        "custom tag          | \"name: !shell t\\noutput: o\\n\"                      | name (line 1): YAML tag '!shell' is not allowed; plain values only",
        "not a mapping       | \"- a\\n- b\\n\"                                        | spec: expected a mapping of [checkpoint_every, device, grid, name, output, pack_size, run_timeout_seconds, search, spark, threads_per_run, trainer]",
        "broken yaml         | \"name: [t\\noutput: o\\n\"                             | spec: not valid YAML at line",
        "unknown device      | \"name: t\\noutput: o\\ndevice: tpu\\n\"                     | device (line 3): 'tpu' is not allowed; expected cpu or gpu",
        "key given twice     | \"name: t\\nname: u\\noutput: o\\n\"                     | name (line 2): given twice",
        "empty grid list     | \"name: t\\noutput: o\\ngrid: []\\n\"                    | grid (line 3): empty list; expected one or more grids, each a mapping of axes",
        "grid list item      | \"name: t\\noutput: o\\ngrid:\\n  - seed: [1]\\n  - 3\\n\" | grid[1] (line 5): expected a mapping of key: value",
        "bad axis in a list  | \"name: t\\noutput: o\\ngrid:\\n  - seed: [1]\\n  - modulus: [2]\\n\" | grid[1].modulus (line 4): '2' is not allowed; expected an integer from 3 to 46340",
        "fixed and in a list | \"name: t\\noutput: o\\ngrid:\\n  - seed: [1]\\n  - train_fraction: [0.5]\\ntrainer:\\n  train_fraction: 0.3\\n\" | trainer.train_fraction (line 7): also a grid axis; give it in one place",
        "search not numeric  | \"name: t\\noutput: o\\nsearch:\\n  axis: operation\\n  range: [0.1, 0.9]\\n  resolution: 0.1\\n  outcome: grokked\\n\" | search.axis (line 4): 'operation' is not numeric; expected a numeric trainer option, e.g. train_fraction, weight_decay or lr",
        "search past option  | \"name: t\\noutput: o\\nsearch:\\n  axis: train_fraction\\n  range: [0.1, 1.5]\\n  resolution: 0.1\\n  outcome: grokked\\n\" | search.range (line 5): train_fraction: '1.5' is not allowed; expected a number in (0, 1)",
        "search zero step    | \"name: t\\noutput: o\\nsearch:\\n  axis: train_fraction\\n  range: [0.1, 0.9]\\n  resolution: 0\\n  outcome: grokked\\n\" | search.resolution (line 6): '0' is not allowed; expected a number > 0",
        "search reversed     | \"name: t\\noutput: o\\nsearch:\\n  axis: weight_decay\\n  range: [3, 0.1]\\n  resolution: 0.1\\n  outcome: grokked\\n\" | search.range (line 5): [3, 0.1] is not allowed; expected low < high",
        "search outcome      | \"name: t\\noutput: o\\nsearch:\\n  axis: weight_decay\\n  range: [0.1, 3]\\n  resolution: 0.1\\n  outcome: fast\\n\" | search.outcome (line 7): 'fast' is not allowed; expected one of [grokked, memorised, test_loss_below, phase]",
        "search whole axis   | \"name: t\\noutput: o\\nsearch:\\n  axis: modulus\\n  range: [11, 59]\\n  resolution: 0.5\\n  outcome: grokked\\n\" | search (line 6): modulus takes whole numbers; expected a whole range and resolution",
        "search threshold    | \"name: t\\noutput: o\\nsearch:\\n  axis: weight_decay\\n  range: [0.1, 3]\\n  resolution: 0.1\\n  outcome: grokked\\n  threshold: 0.5\\n\" | search.threshold (line 8): only with outcome: test_loss_below",
        "search in grid      | \"name: t\\noutput: o\\nsearch:\\n  axis: seed\\n  range: [0, 9]\\n  resolution: 1\\n  outcome: grokked\\ngrid:\\n  seed: [1]\\n\" | search.axis (line 4): 'seed' is also a grid axis; give it in one place",
        "phase on one axis   | \"name: t\\noutput: o\\nsearch:\\n  axis: train_fraction\\n  range: [0.1, 0.9]\\n  resolution: 0.1\\n  outcome: phase\\n\" | search.outcome (line 7): 'phase' is searched over two axes; expected grokked, memorised or test_loss_below on one",
        "one option twice    | \"name: t\\noutput: o\\nsearch:\\n  axis: [seed, seed]\\n  range: [[0, 9], [0, 9]]\\n  resolution: [1, 1]\\n  outcome: phase\\n\" | search.axis (line 4): the same option twice; expected two different ones",
        "plane of one range  | \"name: t\\noutput: o\\nsearch:\\n  axis: [weight_decay, train_fraction]\\n  range: [0, 3]\\n  resolution: [0.5, 0.1]\\n  outcome: phase\\n\" | search.range (line 5): expected [low, high], e.g. [0.1, 0.9]",
        "three axes          | \"name: t\\noutput: o\\nsearch:\\n  axis: [weight_decay, train_fraction, lr]\\n  range: [[0, 3], [0.1, 0.9]]\\n  resolution: [0.5, 0.1]\\n  outcome: phase\\n\" | search.axis (line 4): expected a list of two options, e.g. [weight_decay, train_fraction]",
    })
    void invalidSpecsAreRejectedWithOneLineNamingTheKey(String what, String yaml, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> SweepSpec.parse(yaml.replace("\\n", "\n")));
        if (!e.getMessage().startsWith(expected)) {
            assertEquals(expected, e.getMessage(), what);
        }
        assertEquals(1, e.getMessage().lines().count(), "one line");
    }
}
