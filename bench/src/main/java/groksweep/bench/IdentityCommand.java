package groksweep.bench;

import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.Table;
import groksweep.results.Tables;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code groksweep bench identity OTHER}: the float32 single runs a change to the engine must leave
 * bit for bit as they were, on one machine. Each config trains twice, with this checkout's
 * {@code bin/groksweep train} and with {@code OTHER}'s (another checkout, e.g. the commit before,
 * built by its launcher on first use), each in a JVM of its own on one thread; every value of every
 * metric and measure row must be the same bits. float32 results depend on the CPU's kernels, so this
 * is a command to run for every engine change, not a golden file (float64's is SingleRunGoldenTest).
 */
@Command(name = "identity", mixinStandardHelpOptions = true,
        description = "Train float32 single runs with this build and with another checkout's; compare every metric bit for bit.")
final class IdentityCommand implements Callable<Integer> {

    @Parameters(paramLabel = "OTHER", description = "another checkout of groksweep, e.g. made with: git worktree add /tmp/before HEAD~1")
    Path other;

    @Option(names = "--steps", defaultValue = "300", description = "steps per run. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--out", paramLabel = "DIR", description = "where both builds write their runs. Default: a temporary directory")
    Path out;

    /** The single runs compared: the default transformer and one of each family a change most often touches. */
    static final Map<String, Map<String, Object>> RUNS = new LinkedHashMap<>();

    static {
        Map<String, Object> base = Map.of("modulus", 23, "train_fraction", 0.5, "eval_every", 10, "analysis_every", 100);
        RUNS.put("transformer", base);
        RUNS.put("grokfast-orthogonal-2-blocks", with(base, Map.of("grokfast", "ema", "orthogonal_grad", true, "n_layers", 2)));
        RUNS.put("mlp-sgd", with(base, Map.of("model", "mlp", "optimizer", "sgd", "lr", 0.1, "weight_decay", 0.001)));
        RUNS.put("group-s4", with(Map.of("train_fraction", 0.5, "eval_every", 10, "analysis_every", 100), Map.of("group", "S4")));
        RUNS.put("mini-batch-label-noise", with(base, Map.of("batch_size", 64, "label_noise", 0.2)));
        RUNS.put("laptop-p59", Map.of("modulus", 59, "train_fraction", 0.5, "weight_decay", 1.0));
    }

    private static Map<String, Object> with(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("groksweep.home"));
        Path dir = out != null ? out : Files.createTempDirectory("groksweep-identity");
        int differing = 0;
        for (Map.Entry<String, Map<String, Object>> e : RUNS.entrySet()) {
            Path mine = train(home, e.getValue(), dir.resolve("this").resolve(e.getKey()));
            Path theirs = train(other, e.getValue(), dir.resolve("other").resolve(e.getKey()));
            String difference = firstDifference(mine, theirs);
            System.out.printf("%-30s %s%n", e.getKey(), difference == null ? "identical" : "DIFFERS: " + difference);
            differing += difference == null ? 0 : 1;
        }
        System.out.printf("%d of %d runs bit-identical (%d steps, float32, one thread); runs under %s%n",
                RUNS.size() - differing, RUNS.size(), steps, dir);
        return differing == 0 ? 0 : 1;
    }

    /** Trains one run with {@code checkout}'s launcher into {@code out}. */
    private Path train(Path checkout, Map<String, Object> options, Path out) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(checkout.resolve("bin/groksweep").toString(), "train", "--quiet",
                "--threads", "1", "--steps", String.valueOf(steps), "--out", out.toString()));
        options.forEach((k, v) -> cmd.addAll(List.of("--" + k.replace('_', '-'), String.valueOf(v))));
        Process p = new ProcessBuilder(cmd).inheritIO().redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited with " + p.exitValue());
        }
        return out;
    }

    /** The first value that differs between the two outputs' runs, or null when every table's rows are the same bits. */
    static String firstDifference(Path a, Path b) throws IOException {
        ResultsStore x = new ResultsStore(a.toString()), y = new ResultsStore(b.toString());
        List<String> ids = new ArrayList<>(x.runIds(Tables.RUNS));
        if (!ids.equals(new ArrayList<>(y.runIds(Tables.RUNS))) || ids.size() != 1) {
            return "run ids " + x.runIds(Tables.RUNS) + " and " + y.runIds(Tables.RUNS);
        }
        List<Table> tables = new ArrayList<>(List.of(Tables.METRICS));
        tables.addAll(Tables.MEASURES);
        for (Table t : tables) {
            List<Row> rx = x.read(t, ids.get(0)), ry = y.read(t, ids.get(0));
            if (rx.size() != ry.size()) {
                return t.name() + ": " + rx.size() + " rows and " + ry.size();
            }
            for (int i = 0; i < rx.size(); i++) {
                for (var c : t.columns()) {
                    Object u = rx.get(i).get(c.name()), v = ry.get(i).get(c.name());
                    boolean same = u instanceof Double du && v instanceof Double dv
                            ? Double.doubleToRawLongBits(du) == Double.doubleToRawLongBits(dv)
                            : u instanceof int[] iu && v instanceof int[] iv ? Arrays.equals(iu, iv) : java.util.Objects.equals(u, v);
                    if (!same) {
                        return t.name() + " row " + i + " " + c.name() + ": " + u + " and " + v;
                    }
                }
            }
        }
        return null;
    }
}
