package groksweep.analysis;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.Tables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small results written as real Parquet: runs with hand-made metric curves and key frequencies. */
public final class Fixture {
    final ResultsStore store;

    public Fixture(String root) {
        store = new ResultsStore(root);
    }

    /** One evaluated step of a hand-made curve; {@code keys} null where no progress measures were taken. */
    public record Point(int step, double trainAcc, double testAcc, double testLoss, int[] keys) {}

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
                m.set("restricted_loss", 0.1).set("excluded_loss", 2.0).set("gini_embed", 0.3).set("gini_wl", 0.4)
                        .set("n_key_freqs", point.keys().length).set("key_freqs", point.keys())
                        .set("key_freqs_embed", point.keys());
            }
            metrics.add(m);
        }
        store.write(Tables.METRICS, id, metrics);
    }

    public static Point at(int step, double trainAcc, double testAcc, double testLoss) {
        return new Point(step, trainAcc, testAcc, testLoss, null);
    }

    public static Point at(int step, double trainAcc, double testAcc, double testLoss, int... keys) {
        return new Point(step, trainAcc, testAcc, testLoss, keys);
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
