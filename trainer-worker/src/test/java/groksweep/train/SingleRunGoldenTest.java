package groksweep.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.worker.Torch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A single run, frozen: the float64 metrics of a few single runs over 300 steps (train and test
 * loss, test accuracy, the weights' squared norm, the restricted and excluded losses) against the
 * committed golden-runs.csv, to 1e-12 relative. float64 steps agree with the PyTorch reference to
 * about 1e-13 over 200 steps (ReferenceReplayTest), so a change that keeps the semantics stays
 * far inside the bound and one that changes them (an optimizer's update, a loss, the init, the
 * split) misses it by orders of magnitude. A change of semantics changes the file on purpose, in
 * a commit of its own that says why: run this test with {@code -Dgroksweep.golden.write=true}.
 */
class SingleRunGoldenTest {
    static final double TOLERANCE = 1e-12;
    static final Path GOLDEN = Path.of(System.getProperty("groksweep.root"),
            "trainer-worker/src/test/resources/groksweep/train/golden-runs.csv");

    static final TrainConfig BASE = TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.5,
            "steps", 300, "eval_every", 50, "analysis_every", 100, "dtype", "float64"));

    /** name: the run; each a family the engine must keep (the default, a filter with ⊥Grad and 2 blocks, the MLP, a group, a mini-batch). */
    static final Map<String, TrainConfig> RUNS = new LinkedHashMap<>();

    static {
        RUNS.put("transformer", BASE);
        RUNS.put("grokfast-orthogonal-2-blocks", BASE.with(Map.of("grokfast", "ema", "orthogonal_grad", true,
                "n_layers", 2, "d_model", 64, "d_head", 16, "d_mlp", 256, "seed", 1)));
        RUNS.put("mlp-sgd", BASE.with(Map.of("model", "mlp", "optimizer", "sgd", "lr", 0.1, "weight_decay", 0.001)));
        RUNS.put("group-s4", BASE.with(Map.of("group", "S4", "seed", 2)));
        RUNS.put("mini-batch-label-noise", BASE.with(Map.of("batch_size", 64, "label_noise", 0.2, "seed", 3)));
    }

    static final String HEADER = "run,step,train_loss,test_loss,test_acc,weight_sq_sum,restricted_loss,excluded_loss";

    @Test
    void singleRunsComputeWhatTheyComputedWhenFrozen() throws IOException {
        List<String> actual = new ArrayList<>();
        for (Map.Entry<String, TrainConfig> e : RUNS.entrySet()) {
            actual.add("# " + e.getKey() + ": run " + e.getValue().runId()); // its options, by their identity
            for (MetricRow r : train(e.getValue())) {
                actual.add(String.join(",", e.getKey(), String.valueOf(r.step()), str(r.trainLoss()), str(r.testLoss()),
                        str(r.testAcc()), str(r.weightSqSum()),
                        str(r.measures() == null ? null : r.measures().restrictedLoss()),
                        str(r.measures() == null ? null : r.measures().excludedLoss())));
            }
        }
        actual.add(0, HEADER);
        if (Boolean.getBoolean("groksweep.golden.write")) {
            Files.write(GOLDEN, actual, StandardCharsets.UTF_8);
            fail("wrote " + GOLDEN + "; commit it on its own, saying why the semantics changed, and rerun without the flag");
        }
        List<String> expected = Files.readAllLines(GOLDEN, StandardCharsets.UTF_8);
        assertEquals(expected.size(), actual.size(), "rows of " + GOLDEN);
        for (int i = 0; i < expected.size(); i++) {
            compare(expected.get(i), actual.get(i));
        }
    }

    /** One line: comments and labels equal, numbers to {@link #TOLERANCE} relative. */
    private static void compare(String expected, String actual) {
        if (expected.equals(HEADER) || expected.startsWith("#")) {
            assertEquals(expected, actual, "the runs and columns of " + GOLDEN);
            return;
        }
        String[] e = expected.split(",", -1);
        String[] a = actual.split(",", -1);
        assertEquals(e.length, a.length, expected + " | " + actual);
        for (int j = 0; j < e.length; j++) {
            if (j < 2 || e[j].isEmpty()) {
                assertEquals(e[j], a[j], "golden " + expected + "\n  now " + actual);
            } else {
                double x = Double.parseDouble(e[j]);
                double y = Double.parseDouble(a[j]);
                assertEquals(x, y, TOLERANCE * Math.abs(x), HEADER.split(",")[j] + " of " + e[0] + " at step " + e[1]);
            }
        }
    }

    private static String str(Double v) {
        return v == null ? "" : Double.toString(v);
    }

    private static List<MetricRow> train(TrainConfig c) {
        Torch.useThreads(1);
        try (NDManager m = NDManager.newBaseManager()) {
            List<MetricRow> out = new ArrayList<>();
            new Trainer(List.of(Trainer.Member.fresh(c, m, new Trainer.Listener() {})), m)
                    .train(() -> false, (member, result, model) -> out.addAll(result.metrics()));
            return out;
        }
    }
}
