package groksweep.analysis;

import groksweep.config.TrainConfig;
import groksweep.results.Column;
import groksweep.results.ResultsStore;
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

    /** A run of p = 7 with the given options; its metrics are (step, train_acc, test_acc, test_loss, key freqs). */
    void run(String id, Map<String, Object> options, String status, Object[][] curve) throws IOException {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 7)).with(options);
        Object[] run = new Object[Tables.RUNS.columns().size()];
        Map<String, Object> config = c.toMap();
        for (int i = 0; i < run.length; i++) {
            Column col = Tables.RUNS.columns().get(i);
            run[i] = config.containsKey(col.name()) ? config.get(col.name()) : placeholder(col);
        }
        run[Tables.RUNS.indexOf("run_id")] = id;
        run[Tables.RUNS.indexOf("status")] = status;
        store.write(Tables.RUNS, id, List.<Object[]>of(run));
        List<Object[]> metrics = new ArrayList<>();
        for (Object[] point : curve) {
            int[] keys = point.length > 4 ? (int[]) point[4] : null;
            metrics.add(new Object[] {id, point[0], 1.0 - (Double) point[1], point[1], point[3], point[2], 1e-3, 100.0,
                keys == null ? null : 0.1, keys == null ? null : 2.0, keys == null ? null : 0.3,
                keys == null ? null : 0.4, keys == null ? null : keys.length, keys, keys});
        }
        store.write(Tables.METRICS, id, metrics);
    }

    private static Object placeholder(Column c) {
        if (c.nullable()) {
            return null;
        }
        return switch (c.type()) {
            case INT32 -> 0;
            case INT64 -> 0L;
            case DOUBLE -> 0.0;
            case STRING -> "x";
            case BOOLEAN -> false;
            case INT32_LIST -> new int[0];
        };
    }

    static Object[] at(int step, double trainAcc, double testAcc, double testLoss) {
        return new Object[] {step, trainAcc, testAcc, testLoss};
    }

    static Object[] at(int step, double trainAcc, double testAcc, double testLoss, int... keys) {
        return new Object[] {step, trainAcc, testAcc, testLoss, keys};
    }

    /** The onset and phase cases, each with its hand-computed answer in the test. */
    public void onsetCases() throws IOException {
        run("never", Map.of("seed", 0), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5), at(100, 0.5, 0.1, 4), at(2000, 0.6, 0.1, 4)});
        run("last", Map.of("seed", 1), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5), at(100, 1.0, 0.2, 4), at(1000, 1.0, 0.5, 2), at(2000, 1.0, 0.995, 0.5)});
        run("fallback", Map.of("seed", 2), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5), at(100, 1.0, 0.3, 3), at(300, 1.0, 0.995, 0.8), at(400, 1.0, 0.5, 1.5),
            at(500, 1.0, 0.995, 0.2), at(600, 1.0, 1.0, 0.1)});
        run("exactlyG", Map.of("seed", 3), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5), at(100, 0.95, 0.1, 4), at(1000, 1.0, 0.8, 2), at(1100, 1.0, 0.95, 1.2),
            at(1200, 1.0, 0.99, 0.9)});
        run("fast", Map.of("seed", 4), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5), at(100, 0.92, 0.5, 2), at(200, 1.0, 0.999, 0.05)});
    }

    /** Three seeds of one config (weight decay 0.5) with known final key sets {1,3}, {1,2} and {}. */
    public void frequencyCases() throws IOException {
        run("fa", Map.of("seed", 10, "weight_decay", 0.5), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5, new int[0]), at(100, 1.0, 0.3, 3, 1), at(200, 1.0, 0.999, 0.1, 1, 3)});
        run("fb", Map.of("seed", 11, "weight_decay", 0.5), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5, new int[0]), at(100, 1.0, 0.3, 3, 2), at(200, 1.0, 0.999, 0.1, 1, 2)});
        run("fc", Map.of("seed", 12, "weight_decay", 0.5), "ok", new Object[][] {
            at(0, 0.1, 0.0, 5, new int[0]), at(100, 1.0, 0.3, 3, new int[0]), at(200, 1.0, 0.3, 3, new int[0])});
    }
}
