package groksweep.analysis;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.groups.CharacterTable;
import groksweep.groups.FiniteGroup;
import groksweep.results.Tables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Small results written as real Parquet: runs with hand-made metric curves and key frequencies. */
public final class Fixture {
    final ResultsStore store;

    public Fixture(String root) {
        store = new ResultsStore(root);
    }

    /**
     * One evaluated step of a hand-made curve; {@code keys} null where no progress measures were
     * taken, {@code irrelevance} and {@code symmetricity} (Zhong et al.'s DI and GS) null where not measured.
     */
    public record Point(int step, double trainAcc, double testAcc, double testLoss, int[] keys,
            Double irrelevance, Double symmetricity) {}

    /** A run of p = 7 with the given options and metric curve. */
    public void run(String id, Map<String, Object> options, String status, Point... curve) throws IOException {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 7)).with(options);
        Row run = Tables.RUNS.row().set("run_id", id);
        c.toMap().forEach(run::set);
        run.set("status", status).set("stop_reason", "steps").set("final_step", curve[curve.length - 1].step())
                .set("wall_seconds", 1.0).set("ms_per_step", 1.0).set("threads", 1).set("resumed_from_step", 0)
                .set("host", "fixture").set("finished_at", "2026-01-01T00:00:00Z").set("groksweep_version", "test")
                .set("djl_version", "test").set("libtorch_version", "test");
        store.write(Tables.RUNS, id, List.of(run));
        List<Row> metrics = new ArrayList<>();
        for (Point point : curve) {
            Row m = Tables.METRICS.row().set("run_id", id).set("step", point.step())
                    .set("train_loss", 1.0 - point.trainAcc()).set("train_acc", point.trainAcc())
                    .set("test_loss", point.testLoss()).set("test_acc", point.testAcc())
                    .set("lr", 1e-3).set("weight_sq_sum", 100.0);
            if (point.keys() != null) {
                m.set("restricted_loss", 0.1).set("excluded_loss", 2.0);
                if (c.modular()) { // a group other than C<n> has no Fourier measures
                    m.set("gini_embed", 0.3).set("gini_wl", 0.4).set("n_key_freqs", point.keys().length)
                            .set("key_freqs", point.keys()).set("key_freqs_embed", point.keys());
                }
            }
            m.set("distance_irrelevance", point.irrelevance()).set("gradient_symmetricity", point.symmetricity());
            metrics.add(m);
        }
        store.write(Tables.METRICS, id, metrics);
    }

    /**
     * Irreps rows of a run on {@code group} at each of {@code steps}, the irreps {@code keys} key
     * from the last step on (index in the group's character table), embedding shares spread evenly.
     */
    public void irreps(String id, String group, int[] steps, int... keys) throws IOException {
        CharacterTable t = CharacterTable.of(FiniteGroup.of(group));
        List<Row> rows = new ArrayList<>();
        for (int step : steps) {
            for (int r = 0; r < t.irreps().size(); r++) {
                CharacterTable.Irrep rho = t.irreps().get(r);
                int irrep = r;
                boolean key = step == steps[steps.length - 1] && Arrays.stream(keys).anyMatch(k -> k == irrep);
                rows.add(Tables.IRREPS.row().set("run_id", id).set("step", step).set("irrep", r).set("name", rho.name())
                        .set("dim", rho.dimension() * rho.multiplicity()).set("faithful", t.faithful(rho))
                        .set("embed", 1.0 / t.irreps().size()).set("unembed", 0.1).set("hidden_left", 0.1)
                        .set("hidden_right", 0.1).set("hidden_product", 0.1).set("logit_similarity", key ? 0.5 : 0.0)
                        .set("neurons", key ? 10 : 0).set("key", key));
            }
        }
        store.write(Tables.IRREPS, id, rows);
    }

    public static Point at(int step, double trainAcc, double testAcc, double testLoss) {
        return new Point(step, trainAcc, testAcc, testLoss, null, null, null);
    }

    public static Point at(int step, double trainAcc, double testAcc, double testLoss, int... keys) {
        return new Point(step, trainAcc, testAcc, testLoss, keys, null, null);
    }

    /** A step with distance irrelevance and gradient symmetricity measured (either may be null or NaN). */
    public static Point measured(int step, double trainAcc, double testAcc, Double irrelevance, Double symmetricity) {
        return new Point(step, trainAcc, testAcc, 1 - testAcc, null, irrelevance, symmetricity);
    }

    /** The onset and phase cases, each with its hand-computed answer in the test. */
    public void onsetCases() throws IOException {
        run("never", Map.of("seed", 0), "ok",
            at(0, 0.1, 0.0, 5), at(100, 0.5, 0.1, 4), at(2000, 0.6, 0.1, 4));
        run("last", Map.of("seed", 1), "ok",
            at(0, 0.1, 0.0, 5), at(100, 1.0, 0.2, 4), at(1000, 1.0, 0.5, 2), at(2000, 1.0, 0.995, 0.5));
        run("fallback", Map.of("seed", 2), "ok",
            at(0, 0.1, 0.0, 5), at(100, 1.0, 0.3, 3), at(300, 1.0, 0.995, 0.8), at(400, 1.0, 0.5, 1.5),
            at(500, 1.0, 0.995, 0.2), at(600, 1.0, 1.0, 0.1));
        run("exactlyG", Map.of("seed", 3), "ok",
            at(0, 0.1, 0.0, 5), at(100, 0.95, 0.1, 4), at(1000, 1.0, 0.8, 2), at(1100, 1.0, 0.95, 1.2),
            at(1200, 1.0, 0.99, 0.9));
        run("fast", Map.of("seed", 4), "ok",
            at(0, 0.1, 0.0, 5), at(100, 0.92, 0.5, 2), at(200, 1.0, 0.999, 0.05));
    }

    /**
     * Clock, pizza or neither, each case with its answer in AlgorithmsTest. Configs by weight decay:
     * 2 holds one run of each rule and the thresholds' edges, 3 which row's measures count, 4 a
     * config with no measured run. All generalise (final test accuracy 1) unless named otherwise.
     */
    public void algorithmCases() throws IOException {
        Map<String, Object> two = Map.of("weight_decay", 2.0);
        run("clock", with(two, 1), "ok", measured(100, 1, 1, 0.95, 0.6));
        run("pizza", with(two, 2), "ok", measured(100, 1, 1, 0.1, 0.995));
        run("pizzaEdge", with(two, 3), "ok", measured(100, 1, 1, 0.4999, 0.98)); // GS at its threshold: pizza
        run("clockEdge", with(two, 4), "ok", measured(100, 1, 1, 0.7, 0.9799)); // DI at its threshold: clock
        run("diAtPizzaMax", with(two, 5), "ok", measured(100, 1, 1, 0.5, 0.99)); // DI 0.5 is not < 0.5: neither
        run("between", with(two, 6), "ok", measured(100, 1, 1, 0.65, 0.5)); // DI in the gap: neither
        run("unlearned", with(two, 7), "ok", measured(100, 1, 0.98, 0.95, 0.6)); // a clock's measures, not generalised
        run("unmeasured", with(two, 8), "ok", at(100, 1, 1, 0));
        Map<String, Object> three = Map.of("weight_decay", 3.0);
        run("symmetricClock", with(three, 1), "ok", measured(100, 1, 1, 0.9, 0.99)); // clock's DI, pizza's GS: neither
        run("lastWins", with(three, 2), "ok", // was a pizza at 100, a clock at 200; step 250 is not an analysis step
            measured(100, 1, 1, 0.1, 0.99), measured(200, 1, 1, 0.9, 0.7), at(250, 1, 1, 0));
        run("nanLast", with(three, 3), "ok", // DI undefined (0/0) at 200: the measures of 100 count
            measured(100, 1, 1, 0.1, 0.99), measured(200, 1, 1, Double.NaN, 0.7));
        run("gsOnly", with(three, 4), "ok", measured(100, 1, 1, null, 0.99)); // GS without DI (not add): not measured
        run("neverMeasured", Map.of("weight_decay", 4.0, "seed", 1), "ok", at(100, 1, 1, 0));
    }

    /**
     * Two operations and two models at p = 7, each run with its final key set; k counts frequencies
     * of Z_7 for add and of Z_6 (Z_7* in discrete logs) for mul. Configs: add/transformer at weight
     * decay 1 (addA, addC) and 0.7 (addB), add/mlp, mul/transformer, mul/mlp. The add runs on a
     * transformer end as a clock (addA) and a pizza (addB); DI is not measured for mul.
     */
    public void operationCases() throws IOException {
        run("addA", Map.of("seed", 20), "ok", at(0, 0.1, 0, 5, new int[0]),
            new Point(100, 1, 1, 0.01, new int[] {1, 3}, 0.95, 0.5));
        run("addC", Map.of("seed", 21), "ok", at(0, 0.1, 0, 5, new int[0]), at(100, 1, 1, 0.01, 3));
        run("addB", Map.of("seed", 22, "weight_decay", 0.7), "ok", at(0, 0.1, 0, 5, new int[0]),
            new Point(100, 1, 1, 0.01, new int[] {3}, 0.1, 0.99));
        run("addMlp", Map.of("seed", 23, "model", "mlp"), "ok", at(0, 0.1, 0, 5, new int[0]), at(100, 1, 0.4, 2, new int[0]));
        run("mulA", Map.of("seed", 24, "operation", "mul"), "ok", at(0, 0.1, 0, 5, new int[0]),
            new Point(100, 1, 1, 0.01, new int[] {1, 2}, null, 0.7));
        run("mulMlp", Map.of("seed", 25, "operation", "mul", "model", "mlp"), "ok", at(0, 0.1, 0, 5, new int[0]),
            at(100, 1, 1, 0.01, 2));
    }

    private static Map<String, Object> with(Map<String, Object> options, long seed) {
        Map<String, Object> all = new java.util.HashMap<>(options);
        all.put("seed", seed);
        return all;
    }

    /** Three seeds of one config (weight decay 0.5) with known final key sets {1,3}, {1,2} and {}. */
    public void frequencyCases() throws IOException {
        run("fa", Map.of("seed", 10, "weight_decay", 0.5), "ok",
            at(0, 0.1, 0.0, 5, new int[0]), at(100, 1.0, 0.3, 3, 1), at(200, 1.0, 0.999, 0.1, 1, 3));
        run("fb", Map.of("seed", 11, "weight_decay", 0.5), "ok",
            at(0, 0.1, 0.0, 5, new int[0]), at(100, 1.0, 0.3, 3, 2), at(200, 1.0, 0.999, 0.1, 1, 2));
        run("fc", Map.of("seed", 12, "weight_decay", 0.5), "ok",
            at(0, 0.1, 0.0, 5, new int[0]), at(100, 1.0, 0.3, 3, new int[0]), at(200, 1.0, 0.3, 3, new int[0]));
    }
}
