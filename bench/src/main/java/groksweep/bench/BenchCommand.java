package groksweep.bench;

import groksweep.cli.Cli;
import groksweep.cli.LocalSpark;
import groksweep.analysis.Analysis;
import groksweep.analysis.Jobs;
import groksweep.analysis.Results;
import groksweep.config.TrainConfig;
import groksweep.results.Onsets;
import groksweep.results.Compaction;
import groksweep.results.ResultsStore;
import groksweep.results.RunStatus;
import groksweep.results.SyntheticResults;
import groksweep.sweep.Grid;
import groksweep.sweep.SweepRunner;
import groksweep.sweep.SweepSpec;
import groksweep.worker.Torch;

import org.apache.spark.sql.SparkSession;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code groksweep bench}: ms per training step on this machine beside its matrix-product floor,
 * the cost of evaluation and progress measures, and with {@code --compare} the PyTorch reference
 * in the same invocation, alternating, as ratios.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, subcommands = IdentityCommand.class,
        description = "Benchmark training steps (and, with --compare, the PyTorch reference) on this machine.")
public final class BenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--steps", defaultValue = "200", description = "timed steps per measurement. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--rounds", defaultValue = "3", description = "alternating rounds; medians are reported. Default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--compare", description = "also run the PyTorch reference, alternating with groksweep")
    boolean compare;

    @Option(names = "--reference", paramLabel = "FILE",
            description = "the repository's PyTorch reference (needs torch: apt-get install python3-torch). Default: ${DEFAULT-VALUE}",
            defaultValue = "${sys:groksweep.home}/bench/reference/grokking_reference.py")
    Path reference;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "interpreter for the reference. Default: ${DEFAULT-VALUE}")
    String python;

    @Option(names = "--shapes", split = ",", paramLabel = "NAME", arity = "0..1", fallbackValue = "",
            description = "only the shape matrix of --compare (each shape beside the reference), or with names only the"
                    + " shapes whose names contain one of them (e.g. 'transformer 2,mlp,muon')")
    List<String> shapeNames;

    @Option(names = "--pack", defaultValue = "4", paramLabel = "R", description = "with --compare or --shapes: also time each shape"
            + " in a pack of R runs, beside the reference's --pack R (0: no packs). Default: ${DEFAULT-VALUE}")
    int pack;

    @Option(names = "--sweep-scaling", description = "also time a small sweep with 1 task at a time and with one per core")
    boolean sweepScaling;

    @Option(names = "--memory-steps", defaultValue = "0", description = "also train this many steps (p = 113) and report resident memory growth. Default: ${DEFAULT-VALUE}")
    int memorySteps;

    @Option(names = "--analysis-runs", split = ",", paramLabel = "N",
            description = "only benchmark the analysis: write N synthetic runs (e.g. 1000,10000) and time the SQL jobs,"
                    + " the full analyze with its report, and a single-run sql query, in this JVM")
    List<Integer> analysisRuns;

    @Option(names = "--options", description = "only time one step under each optimizer and numerics option beside the"
            + " default step (p = 113, fraction 0.3, one thread, rounds interleaved)")
    boolean options;

    @Option(names = "--packing", split = ",", paramLabel = "P", arity = "0..1", fallbackValue = "23,59,113",
            description = "only benchmark packing: at each modulus (default 23, 59 and 113), sweep 16 runs (4 seeds ×"
                    + " 4 weight decays, fraction 0.3, --packing-steps steps) on local Spark with one run per task, then"
                    + " packed, and print runs/hour, the ratio, the matrix-product floor and peak memory")
    List<Integer> packing;

    @Option(names = "--packing-steps", defaultValue = "1000", description = "steps per run with --packing. Default: ${DEFAULT-VALUE}")
    int packingSteps;

    @Option(names = "--pack-sizes", split = ",", defaultValue = "8", paramLabel = "R",
            description = "pack sizes to time with --packing (8: the default for 16 runs on 2 cores). Default: ${DEFAULT-VALUE}")
    List<Integer> packSizes;

    @Option(names = "--pack-eval", description = "only time evaluation every 10 steps at p = 113 (fraction 0.3), as the"
            + " extra per step: in a pack of each --pack-sizes on one thread, and in one run alone on 2 threads (rounds"
            + " interleaved, --steps timed steps after 10)")
    boolean packEval;

    @Option(names = "--fixed-cost", description = "only time sweeps of 40 and 80 one-step runs at p = 23 on local[2]"
            + " (--rounds, interleaved, in one Spark session) and print the wall time per extra run: scheduling, set-up,"
            + " the final evaluation and measures, and committing each run's files")
    boolean fixedCost;

    @Option(names = "--plan", paramLabel = "N", defaultValue = "0", description = "only time planning a sweep of N runs"
            + " (N/10 seeds × 10 weight decays, as --dry-run does, phase by phase), and the first status line of a"
            + " sweep of 1,000 one-step runs at p = 7 on local[2]")
    int plan;

    @Option(names = "--scale-out", description = "only time the same 8 runs (p = 59, fraction 0.5, --scale-out-steps"
            + " steps) submitted with spark-submit to a standalone cluster on this machine with 1 worker, then 2, each"
            + " pinned to a CPU of its own (needs mvn package), and print runs/hour and the ratio")
    boolean scaleOut;

    @Option(names = "--scale-out-steps", defaultValue = "1000", description = "steps per run with --scale-out. Default: ${DEFAULT-VALUE}")
    int scaleOutSteps;

    /** Each option's step beside the default; values as a sweep spec would give them. */
    static final Map<String, Map<String, Object>> OPTION_STEPS = new java.util.LinkedHashMap<>();

    static {
        OPTION_STEPS.put("adamw (default)", Map.of());
        OPTION_STEPS.put("optimizer adam", Map.of("optimizer", "adam"));
        OPTION_STEPS.put("optimizer sgd", Map.of("optimizer", "sgd"));
        OPTION_STEPS.put("optimizer muon", Map.of("optimizer", "muon"));
        OPTION_STEPS.put("grokfast ema", Map.of("grokfast", "ema"));
        OPTION_STEPS.put("grokfast ma (window 100)", Map.of("grokfast", "ma"));
        OPTION_STEPS.put("orthogonal_grad", Map.of("orthogonal_grad", true));
        OPTION_STEPS.put("loss stablemax", Map.of("loss", "stablemax"));
        OPTION_STEPS.put("loss mse", Map.of("loss", "mse"));
        OPTION_STEPS.put("loss_dtype float32", Map.of("loss_dtype", "float32"));
        OPTION_STEPS.put("fixed_weight_norm 1", Map.of("fixed_weight_norm", 1.0));
        OPTION_STEPS.put("batch_size 512", Map.of("batch_size", 512)); // Power et al.'s
        OPTION_STEPS.put("label_noise 0.2", Map.of("label_noise", 0.2));
    }

    /**
     * The shapes {@code --compare} times beside the reference, as trainer options a sweep spec would
     * give; each over {@link #SHAPE_BASE}. The reference takes each option as its --kebab-case flag.
     */
    static final Map<String, Map<String, Object>> SHAPES = new java.util.LinkedHashMap<>();

    static {
        SHAPES.put("transformer 1 block", Map.of());
        SHAPES.put("transformer 2 blocks", Map.of("n_layers", 2));
        SHAPES.put("transformer 3 blocks", Map.of("n_layers", 3));
        SHAPES.put("transformer 4 blocks", Map.of("n_layers", 4));
        SHAPES.put("transformer 1 block, float64", Map.of("dtype", "float64"));
        SHAPES.put("transformer 2 blocks, float64", Map.of("n_layers", 2, "dtype", "float64"));
        SHAPES.put("transformer, attention rate 0.5", Map.of("attn_coeff", 0.5));
        SHAPES.put("transformer, x2_xy_y2", Map.of("operation", "x2_xy_y2"));
        SHAPES.put("transformer, group S4", Map.of("group", "S4"));
        SHAPES.put("transformer, mini-batch 64", Map.of("batch_size", 64));
        SHAPES.put("transformer, muon", Map.of("optimizer", "muon"));
        SHAPES.put("transformer, label noise 0.2", Map.of("label_noise", 0.2));
        SHAPES.put("mlp concat", Map.of("model", "mlp"));
        SHAPES.put("mlp sum", Map.of("model", "mlp", "mlp_input", "sum"));
    }

    /** The shape matrix's common settings: the issue-sized task, p = 23 at fraction 0.6, training steps only. */
    static final TrainConfig SHAPE_BASE = TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.6,
            "eval_every", 1_000_000, "analysis_every", 0));

    static final TrainConfig PURE = TrainConfig.defaults().with(Map.of("train_fraction", 0.3, "eval_every", 1_000_000,
            "analysis_every", 0));

    @Override
    public Integer call() throws Exception {
        if (analysisRuns != null) {
            return analysis();
        }
        if (fixedCost) {
            return fixedCost();
        }
        if (plan > 0) {
            return planning();
        }
        if (scaleOut) {
            return scaleOut();
        }
        if (options) {
            return optionSteps();
        }
        if (packing != null) {
            return packing();
        }
        if (packEval) {
            return packEval();
        }
        if ((compare || shapeNames != null) && !Files.isRegularFile(reference)) {
            return Cli.fail(spec, "--reference: '" + reference + "' is not a file; expected grokking_reference.py");
        }
        if (shapeNames != null) {
            Torch.engine();
            compareShapes();
            return 0;
        }
        Torch.engine();
        System.out.printf("machine: %d cores, %s, Java %s, DJL %s, libtorch %s%n",
                Runtime.getRuntime().availableProcessors(), cpu(), System.getProperty("java.version"),
                Torch.djlVersion(), Torch.libtorchVersion());
        System.out.printf("%-44s %10s %10s%n", "measurement (train fraction 0.3)", "ms/step", "ratio");
        for (int p : new int[] {59, 113}) {
            TrainConfig c = PURE.with(Map.of("modulus", p));
            for (int threads : new int[] {1, 2}) {
                double step = median(r -> StepTimer.msPerStep(c, threads, 20, steps));
                double floor = median(r -> StepTimer.matmulFloorMs(c, threads, 50));
                System.out.printf("%-44s %10.2f%n", "p=" + p + " step, " + threads + " thread(s)", step);
                System.out.printf("%-44s %10.2f %10s%n", "p=" + p + " matmul floor, " + threads + " thread(s)", floor,
                        String.format("%.2fx", step / floor));
            }
        }
        TrainConfig p113 = PURE.with(Map.of("modulus", 113));
        double[] pure = new double[rounds];
        double[] eval = new double[rounds];
        double[] measures = new double[rounds];
        for (int r = 0; r < rounds; r++) { // interleaved, so drift hits all three alike
            pure[r] = StepTimer.msPerStep(p113, 2, 20, steps);
            eval[r] = StepTimer.msPerStep(p113.with(Map.of("eval_every", 10)), 2, 20, steps);
            measures[r] = StepTimer.msPerStep(p113.with(Map.of("eval_every", 10, "analysis_every", 100)), 2, 20, steps);
        }
        System.out.printf("%-44s %10.2f %10s%n", "p=113, 2 threads, eval every 10", median(eval),
                String.format("+%.1f%%", 100 * (median(eval) / median(pure) - 1)));
        System.out.printf("%-44s %10.2f %10s%n", "p=113, 2 threads, eval 10 + measures 100", median(measures),
                String.format("+%.1f%%", 100 * (median(measures) / median(eval) - 1)));
        if (compare) {
            compareWithReference(p113);
            compareShapes();
        }
        if (sweepScaling) {
            sweepScaling();
        }
        if (memorySteps > 0) {
            memory();
        }
        return 0;
    }

    /** Median ms per step of each entry of {@link #OPTION_STEPS}, rounds interleaved so drift hits all alike. */
    private int optionSteps() throws Exception {
        Torch.engine();
        TrainConfig base = PURE.with(Map.of("modulus", 113));
        Map<String, double[]> ms = new java.util.LinkedHashMap<>();
        OPTION_STEPS.keySet().forEach(k -> ms.put(k, new double[rounds]));
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Map<String, Object>> e : OPTION_STEPS.entrySet()) {
                ms.get(e.getKey())[r] = StepTimer.msPerStep(base.with(e.getValue()), 1, 20, steps);
            }
        }
        double today = median(ms.get("adamw (default)"));
        System.out.printf("%-44s %10s %10s%n", "p=113, fraction 0.3, 1 thread", "ms/step", "vs default");
        ms.forEach((name, xs) -> System.out.printf("%-44s %10.2f %10s%n", name, median(xs),
                String.format("%+.1f%%", 100 * (median(xs) / today - 1))));
        return 0;
    }

    private void compareWithReference(TrainConfig c) throws Exception {
        List<Double> ours = new ArrayList<>();
        List<Double> ref1 = new ArrayList<>();
        List<Double> ref2 = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            ours.add(StepTimer.msPerStep(c, 2, 20, steps));
            ref1.add(reference(1));
            ref2.add(reference(2));
        }
        double best = Math.min(median(ref1), median(ref2));
        System.out.printf("%-44s %10.2f%n", "reference p=113, --threads 1", median(ref1));
        System.out.printf("%-44s %10.2f%n", "reference p=113, --threads 2", median(ref2));
        System.out.printf("%-44s %10.2f %10s%n", "groksweep p=113, 2 threads (same rounds)", median(ours),
                String.format("%.2fx faster", best / median(ours)));
    }

    private double reference(int threads) throws Exception {
        return reference(List.of("--p", "113", "--frac", "0.3", "--steps", String.valueOf(steps),
                "--threads", String.valueOf(threads)));
    }

    /**
     * Each shape of {@link #SHAPES} on one thread, alone and (with {@code --pack}) in a pack, beside the
     * reference with the same options, rounds interleaved; ms per step and the reference's over ours.
     */
    private void compareShapes() throws Exception {
        Map<String, Map<String, Object>> shapes = new java.util.LinkedHashMap<>();
        SHAPES.forEach((name, options) -> {
            if (shapeNames == null || shapeNames.isEmpty() || shapeNames.stream().anyMatch(s -> name.contains(s.strip()))) {
                shapes.put(name, options);
            }
        });
        int warmup = 20;
        Map<String, double[][]> ms = new java.util.LinkedHashMap<>(); // ours, reference, our pack, reference's pack
        shapes.keySet().forEach(name -> ms.put(name, new double[4][rounds]));
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Map<String, Object>> e : shapes.entrySet()) {
                TrainConfig c = SHAPE_BASE.with(e.getValue()).validate();
                List<String> flags = referenceFlags(e.getValue(), warmup);
                double[][] m = ms.get(e.getKey());
                m[0][r] = StepTimer.msPerStep(c, 1, warmup, steps);
                m[1][r] = reference(flags);
                if (pack > 1) {
                    m[2][r] = pack * StepTimer.packMsPerRunStep(c, pack, warmup, steps);
                    List<String> packed = new ArrayList<>(flags);
                    packed.addAll(List.of("--pack", String.valueOf(pack)));
                    m[3][r] = reference(packed);
                }
            }
        }
        System.out.printf("%nshapes: p=23, fraction 0.6, 1 thread, training steps only, median of %d round(s)%n", rounds);
        System.out.printf("%-34s %9s %9s %8s", "shape", "ms/step", "ref ms", "ref/ours");
        if (pack > 1) {
            System.out.printf(" %11s %9s %11s %8s", "pack" + pack + " ms", "÷ R·alone", "ref pack ms", "ref/ours");
        }
        System.out.println();
        ms.forEach((name, m) -> {
            System.out.printf("%-34s %9.2f %9.2f %8s", name, median(m[0]), median(m[1]),
                    String.format("%.2fx", median(m[1]) / median(m[0])));
            if (pack > 1) {
                System.out.printf(" %11.2f %9.2f %11.2f %8s", median(m[2]), median(m[2]) / (pack * median(m[0])),
                        median(m[3]), String.format("%.2fx", median(m[3]) / median(m[2])));
            }
            System.out.println();
        });
    }

    /** The reference's command line for a shape: the matrix's base, the shape's options as flags, one thread. */
    private List<String> referenceFlags(Map<String, Object> options, int warmup) {
        List<String> flags = new ArrayList<>(List.of("--p", "23", "--frac", "0.6", "--steps", String.valueOf(warmup + steps),
                "--time-from", String.valueOf(warmup), "--threads", "1"));
        options.forEach((key, value) -> flags.addAll(List.of("--" + key.replace('_', '-'), String.valueOf(value))));
        return flags;
    }

    /** The reference's ms per step with these flags. */
    private double reference(List<String> flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, reference.toString()));
        command.addAll(flags);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            out = String.join("\n", r.lines().toList());
        }
        Matcher m = Pattern.compile("\"ms_per_step\": ([0-9.]+)").matcher(out);
        if (p.waitFor() != 0 || !m.find()) {
            throw new IllegalStateException("reference failed: " + out);
        }
        return Double.parseDouble(m.group(1));
    }

    private void sweepScaling() throws Exception {
        Path dir = Files.createTempDirectory("groksweep-bench");
        double[] perHour = new double[2];
        for (int tasks = 1; tasks <= 2; tasks++) {
            SweepSpec s = SweepSpec.parse("name: scaling\noutput: " + dir.resolve("t" + tasks)
                    + "\ngrid:\n  seed: [0, 1, 2, 3, 4, 5, 6, 7]\ntrainer:\n  modulus: 59\n  train_fraction: 0.3\n"
                    + "  steps: 300\n");
            SparkSession spark = LocalSpark.builder("bench", "local[" + tasks + "]", false).getOrCreate();
            long t0 = System.nanoTime();
            SweepRunner.run(spark, s, SweepRunner.plan(s, false), false, line -> {});
            double seconds = (System.nanoTime() - t0) / 1e9;
            spark.stop();
            perHour[tasks - 1] = 8 / seconds * 3600;
            System.out.printf("%-44s %10.0f%n", "sweep of 8 runs (p=59, 300 steps), " + tasks + " task(s): runs/h",
                    perHour[tasks - 1]);
        }
        System.out.printf("%-44s %10s%n", "sweep scaling, 2 tasks vs 1", String.format("%.2fx", perHour[1] / perHour[0]));
    }

    /**
     * What a run costs beyond its training steps, as the difference between sweeps of 40 and 80
     * one-step runs in one local[2] session (Spark's start-up and the JIT's warm-up are outside it).
     */
    private int fixedCost() throws Exception {
        SparkSession spark = LocalSpark.builder("bench", "local[2]", false).getOrCreate();
        oneStepSweep(spark, 8); // warm-up: libtorch loaded, code compiled
        int[] sizes = {40, 80};
        double[][] seconds = new double[sizes.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < sizes.length; i++) {
                seconds[i][r] = oneStepSweep(spark, sizes[i]);
            }
        }
        spark.stop();
        System.out.printf("machine: %d cores, %s; one-step runs at p = 23 on local[2], medians of %d rounds%n",
                Runtime.getRuntime().availableProcessors(), cpu(), rounds);
        for (int i = 0; i < sizes.length; i++) {
            System.out.printf("%-44s %10.2f%n", "sweep of " + sizes[i] + " runs: seconds", median(seconds[i]));
        }
        System.out.printf("%-44s %10.3f%n", "wall seconds per extra run",
                (median(seconds[1]) - median(seconds[0])) / (sizes[1] - sizes[0]));
        return 0;
    }

    /**
     * Planning at scale, phase by phase as {@code sweep --dry-run} goes, cold (the first time in this
     * JVM, as a user's command runs) and warm; then the first status line of 1,000 one-step runs.
     */
    private int planning() throws Exception {
        Path dir = Files.createTempDirectory("groksweep-bench-plan");
        String yaml = "name: plan\noutput: " + dir.resolve("out") + "\ngrid:\n  seed: "
                + java.util.stream.IntStream.range(0, plan / 10).boxed().toList()
                + "\n  weight_decay: [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0]\ntrainer:\n  modulus: 7\n  steps: 1\n";
        System.out.printf("machine: %d cores, %s; a plan of %,d runs%n", Runtime.getRuntime().availableProcessors(), cpu(),
                plan / 10 * 10);
        System.out.printf("%-44s %10s %10s%n", "phase", "cold ms", "warm ms");
        double[][] ms = new double[2][5];
        for (int round = 0; round < 2; round++) {
            long t = System.nanoTime();
            SweepSpec s = SweepSpec.parse(yaml);
            ms[round][0] = seconds(t) * 1000;
            t = System.nanoTime();
            List<TrainConfig> runs = Grid.expand(s);
            ms[round][1] = seconds(t) * 1000;
            t = System.nanoTime();
            SweepRunner.Plan p = SweepRunner.plan(s, false);
            ms[round][2] = seconds(t) * 1000;
            t = System.nanoTime();
            String described = SweepRunner.describe(s, p);
            ms[round][3] = seconds(t) * 1000;
            t = System.nanoTime();
            groksweep.sweep.Estimate e = groksweep.sweep.Estimate.of(s, p.pending(), 2, 2, java.time.Duration.ofSeconds(2));
            ms[round][4] = seconds(t) * 1000 - e.calibrationSeconds() * 1000;
            if (runs.size() != plan / 10 * 10 || described.isEmpty()) {
                throw new IllegalStateException("a plan of " + runs.size() + " runs");
            }
        }
        String[] phases = {"parse the spec", "expand the grid", "plan: expand, run ids, committed runs",
            "describe the plan", "estimate, beside its timing of the shapes"};
        for (int i = 0; i < phases.length; i++) {
            System.out.printf("%-44s %10.0f %10.0f%n", phases[i], ms[0][i], ms[1][i]);
        }
        SparkSession spark = LocalSpark.builder("bench", "local[2]", false).getOrCreate();
        SweepSpec s = SweepSpec.parse("name: first-line\noutput: " + dir.resolve("first") + "\ngrid:\n  seed: "
                + java.util.stream.IntStream.range(0, 1000).boxed().toList() + "\ntrainer:\n  modulus: 7\n  steps: 1\n");
        long t0 = System.nanoTime();
        double[] first = {Double.NaN};
        SweepRunner.Outcome out = SweepRunner.run(spark, s, SweepRunner.plan(s, false), false, line -> {
            if (Double.isNaN(first[0])) {
                first[0] = seconds(t0);
            }
        });
        System.out.printf("%-44s %10.1f%n", "1,000 one-step runs: first status line, s", first[0]);
        System.out.printf("%-44s %10.1f%n", "1,000 one-step runs: the sweep, s", out.seconds());
        String table = groksweep.cli.Summary.table(out, s.output());
        System.out.printf("%-44s %10d%n", "lines of the end-of-sweep table", table.lines().count());
        spark.stop();
        return 0;
    }

    /** Seconds to sweep {@code runs} one-step runs at p = 23 into a fresh output; every run must end ok. */
    private static double oneStepSweep(SparkSession spark, int runs) throws Exception {
        Path dir = Files.createTempDirectory("groksweep-bench-fixed-cost");
        SweepSpec s = SweepSpec.parse("name: fixed-cost\noutput: " + dir + "\ngrid:\n  seed: "
                + java.util.stream.IntStream.range(0, runs).boxed().toList() + "\ntrainer:\n  modulus: 23\n  steps: 1\n");
        long t0 = System.nanoTime();
        SweepRunner.Outcome out = SweepRunner.run(spark, s, SweepRunner.plan(s, false), false, line -> {});
        double seconds = seconds(t0);
        if (out.trained().size() != runs || out.trained().stream().anyMatch(r -> r.status() != RunStatus.OK)) {
            throw new IllegalStateException("benchmark sweep did not train " + runs + " runs ok: " + out.trained());
        }
        return seconds;
    }

    /**
     * The same 8 runs submitted with spark-submit to a standalone cluster of 1 worker, then of 2, each
     * worker one core pinned to a CPU of its own (a Master, the Workers, the driver and the executors
     * each a JVM of its own, as ClusterIT starts them): the whole submission, the sweep's own time
     * (from its summary line, executors' start-up included) and the training span (first run's start
     * to last commit, from the runs table).
     */
    private int scaleOut() throws Exception {
        Path home = Path.of(System.getProperty("groksweep.home", "."));
        System.setProperty("groksweep.sparkHome", home.resolve("app/target/spark-home").toString());
        System.setProperty("groksweep.sparkJar", home.resolve("app/target/groksweep-spark.jar").toString());
        System.setProperty("groksweep.conf", home.resolve("conf").toString());
        if (!Files.isDirectory(home.resolve("app/target/spark-home/jars"))) {
            return Cli.fail(spec, "--scale-out: no " + home.resolve("app/target/spark-home/jars") + "; run mvn package first");
        }
        System.out.printf("machine: %d cores, %s; 8 runs of %d steps at p = 59, fraction 0.5, one task per worker core%n",
                Runtime.getRuntime().availableProcessors(), cpu(), scaleOutSteps);
        System.out.printf("%-8s %10s %10s %12s %10s %10s %10s%n", "workers", "submit s", "sweep s", "training s",
                "run s", "runs/h", "runs/h tr.");
        double[] perHour = new double[2];
        double[] perHourTraining = new double[2];
        for (int workers = 1; workers <= 2; workers++) {
            Path dir = Files.createTempDirectory("groksweep-bench-scale-out");
            try (groksweep.cluster.StandaloneCluster cluster = new groksweep.cluster.StandaloneCluster(dir, workers, true)) {
                Path spec = Files.writeString(dir.resolve("scale-out.yaml"), "name: scale-out\noutput: " + dir.resolve("out")
                        + "\ngrid:\n  seed: [0, 1, 2, 3, 4, 5, 6, 7]\ntrainer:\n  modulus: 59\n  train_fraction: 0.5\n"
                        + "  steps: " + scaleOutSteps + "\nthreads_per_run: 1\n");
                long t0 = System.nanoTime();
                Process driver = cluster.submit("sweep", "sweep", spec.toString(), "--no-analysis", "--live-report", "0");
                int exit = driver.waitFor();
                double wall = seconds(t0);
                String log = Files.readString(cluster.log("sweep"));
                Matcher m = Pattern.compile("sweep done in (?:(\\d+)m)?(\\d+)s: 8 runs trained \\{ok=8\\}").matcher(log);
                if (exit != 0 || !m.find()) {
                    throw new IllegalStateException("the sweep did not train 8 runs ok; see " + cluster.log("sweep"));
                }
                double sweep = (m.group(1) == null ? 0 : 60 * Integer.parseInt(m.group(1))) + Integer.parseInt(m.group(2));
                // The span from the first run's start to the last commit, executors' start-up left out.
                List<groksweep.results.Row> runs = new ResultsStore(dir.resolve("out").toString()).readAll(groksweep.results.Tables.RUNS);
                double first = Double.MAX_VALUE, last = 0;
                double[] runSeconds = new double[runs.size()];
                for (int i = 0; i < runs.size(); i++) {
                    double end = java.time.Instant.parse(runs.get(i).getString("finished_at")).toEpochMilli() / 1e3;
                    runSeconds[i] = runs.get(i).getDouble("wall_seconds");
                    first = Math.min(first, end - runSeconds[i]);
                    last = Math.max(last, end);
                }
                perHour[workers - 1] = 8 / sweep * 3600;
                perHourTraining[workers - 1] = 8 / (last - first) * 3600;
                System.out.printf("%-8d %10.1f %10.0f %12.1f %10.1f %10.0f %10.0f%n", workers, wall, sweep, last - first,
                        median(runSeconds), perHour[workers - 1], perHourTraining[workers - 1]);
            }
        }
        System.out.printf("%-8s %58s %10s%n", "ratio", String.format("%.2fx", perHour[1] / perHour[0]),
                String.format("%.2fx", perHourTraining[1] / perHourTraining[0]));
        return 0;
    }

    /**
     * For each modulus: the same 16 runs swept one per task and in packs of each size, one after
     * the other in this JVM on local Spark with a task per core, each sweep into a fresh output;
     * runs/hour, the ratio to one per task, and the floor: the runs/hour at which every core does
     * nothing but the step's matrix products. Peak RSS is this JVM's high-water mark so far.
     */
    private int packing() throws Exception {
        Torch.engine();
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("machine: %d cores, %s, libtorch %s; 16 runs of %d steps, fraction 0.3, eval every 10, "
                + "measures every 100%n", cores, cpu(), Torch.libtorchVersion(), packingSteps);
        System.out.printf("%-6s %-14s %10s %10s %10s %12s %14s%n", "p", "tasks", "seconds", "runs/h", "ratio",
                "floor runs/h", "peak RSS MB");
        SparkSession spark = LocalSpark.builder("bench", "local[" + cores + "]", false).getOrCreate();
        for (int p : packing) {
            TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", p, "train_fraction", 0.3, "steps", packingSteps));
            double floorMs = StepTimer.matmulFloorMs(c, 1, 50);
            double floor = cores * 3600 / (packingSteps * floorMs / 1e3);
            double alone = 0;
            List<Integer> sizes = new ArrayList<>(List.of(1));
            sizes.addAll(packSizes);
            for (int size : sizes) {
                Path dir = Files.createTempDirectory("groksweep-bench-packing");
                SweepSpec s = SweepSpec.parse("name: packing\noutput: " + dir + "\npack_size: " + size
                        + "\ngrid:\n  seed: [0, 1, 2, 3]\n  weight_decay: [0.3, 0.6, 1.0, 2.0]\ntrainer:\n  modulus: " + p
                        + "\n  train_fraction: 0.3\n  steps: " + packingSteps + "\n");
                long t0 = System.nanoTime();
                SweepRunner.Outcome out = SweepRunner.run(spark, s, SweepRunner.plan(s, false), false, line -> {});
                double seconds = seconds(t0);
                if (out.trained().size() != 16 || out.trained().stream().anyMatch(r -> r.status() != RunStatus.OK)) {
                    throw new IllegalStateException("benchmark sweep did not train 16 runs ok: " + out.trained());
                }
                double perHour = 16 / seconds * 3600;
                if (size == 1) {
                    alone = perHour;
                }
                System.out.printf("%-6d %-14s %10.1f %10.0f %10s %12.0f %14d%n", p,
                        size == 1 ? "one run each" : "packs of " + size, seconds, perHour,
                        String.format("%.2fx", perHour / alone), floor, peakRssKb() / 1024);
            }
        }
        spark.stop();
        return 0;
    }

    /** Evaluation's share of the step at p = 113: packs of each size on one thread, one run alone on 2 threads. */
    private int packEval() {
        Torch.engine();
        TrainConfig quiet = PURE.with(Map.of("modulus", 113));
        TrainConfig eval = quiet.with(Map.of("eval_every", 10));
        System.out.printf("%-44s %10s %10s %10s%n", "p=113, fraction 0.3, eval every 10", "ms no eval", "ms eval", "extra");
        for (int size : packSizes) {
            double[] off = new double[rounds];
            double[] on = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                off[r] = StepTimer.packMsPerRunStep(quiet, size, 10, steps);
                on[r] = StepTimer.packMsPerRunStep(eval, size, 10, steps);
            }
            System.out.printf("%-44s %10.2f %10.2f %10s%n", "pack of " + size + ", 1 thread, per run and step", median(off),
                    median(on), String.format("%+.1f%%", 100 * (median(on) / median(off) - 1)));
        }
        double[] off = new double[rounds];
        double[] on = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            off[r] = StepTimer.msPerStep(quiet, 2, 10, steps);
            on[r] = StepTimer.msPerStep(eval, 2, 10, steps);
        }
        System.out.printf("%-44s %10.2f %10.2f %10s%n", "one run alone, 2 threads", median(off), median(on),
                String.format("%+.1f%%", 100 * (median(on) / median(off) - 1)));
        return 0;
    }

    private void memory() throws Exception {
        TrainConfig c = TrainConfig.defaults().with(Map.of("modulus", 113, "eval_every", 10, "analysis_every", 100));
        long before = rssKb();
        StepTimer.msPerStep(c, 2, 200, 200); // warm up allocator pools
        long warm = rssKb();
        StepTimer.msPerStep(c, 2, 0, memorySteps);
        long after = rssKb();
        System.out.printf("%-44s %10s%n", "resident memory: start / warm / after " + memorySteps + " steps",
                before / 1024 + " / " + warm / 1024 + " / " + after / 1024 + " MB");
        System.out.printf("%-44s %10s%n", "growth over " + memorySteps + " steps", (after - warm) / 1024 + " MB");
    }

    /**
     * For each N: synthetic results of N runs (one file per run and table, as sweeps write them),
     * then the SQL jobs alone (every view computed), the full analysis with the report, and one
     * single-run query, each from a fresh open of the results; then the compaction of those results
     * and the same single-run query, SQL jobs and analysis over them; peak resident memory of this JVM.
     */
    private int analysis() throws Exception {
        SparkSession spark = LocalSpark.builder("groksweep bench", "local[*]", false).getOrCreate();
        Path warm = Files.createTempDirectory("groksweep-bench-warm-up"); // JIT and Spark's code generation, untimed
        SyntheticResults.write(new ResultsStore(warm.toString()), 50, 2);
        Analysis.run(spark, warm.toString(), Onsets.Thresholds.defaults(), true);
        System.out.printf("%-10s %10s %12s %12s %12s %12s %14s %14s %14s %14s%n", "runs", "write s", "jobs s",
                "analyze s", "sql 1 run s", "compact s", "compacted sql", "compacted jobs", "compacted anlz",
                "peak RSS MB");
        for (int n : analysisRuns) {
            Path dir = Files.createTempDirectory("groksweep-bench-analysis");
            long t0 = System.nanoTime();
            SyntheticResults.write(new ResultsStore(dir.toString()), n, 1);
            double write = seconds(t0);
            double jobs = jobs(spark, dir);
            t0 = System.nanoTime();
            Analysis.run(spark, dir.toString(), Onsets.Thresholds.defaults(), true);
            double analyze = seconds(t0);
            String one = spark.sql("SELECT min(run_id) FROM runs").first().getString(0);
            t0 = System.nanoTime();
            Results.open(spark, dir.toString());
            Jobs.all(spark, Onsets.Thresholds.defaults());
            spark.sql("SELECT step, test_acc FROM metrics WHERE run_id = '" + one + "'").collectAsList();
            double sql = seconds(t0);
            ResultsStore store = new ResultsStore(dir.toString());
            t0 = System.nanoTime();
            Compaction.compact(store, java.time.Duration.ZERO, Compaction.NO_STAGES);
            double compact = seconds(t0);
            t0 = System.nanoTime();
            Results.open(spark, dir.toString());
            Jobs.all(spark, Onsets.Thresholds.defaults());
            spark.sql("SELECT step, test_acc FROM metrics WHERE run_id = '" + one + "'").collectAsList();
            double compactedSql = seconds(t0);
            double compactedJobs = jobs(spark, dir);
            t0 = System.nanoTime();
            Analysis.run(spark, dir.toString(), Onsets.Thresholds.defaults(), true);
            double compactedAnalyze = seconds(t0);
            System.out.printf("%-10d %10.1f %12.1f %12.1f %12.1f %12.1f %14.1f %14.1f %14.1f %14d%n", n, write, jobs,
                    analyze, sql, compact, compactedSql, compactedJobs, compactedAnalyze, peakRssKb() / 1024);
        }
        return 0;
    }

    /** Seconds to open the results, cache them and compute every view of the SQL jobs. */
    private static double jobs(SparkSession spark, Path dir) {
        long t0 = System.nanoTime();
        Results.open(spark, dir.toString());
        Results.cache(spark);
        for (String view : Jobs.all(spark, Onsets.Thresholds.defaults()).keySet()) {
            spark.table(view).count(); // compute every view
        }
        return seconds(t0);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private double median(java.util.function.IntToDoubleFunction f) {
        double[] xs = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            xs[r] = f.applyAsDouble(r);
        }
        Arrays.sort(xs);
        return xs[rounds / 2];
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = xs.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    public static void main(String[] args) {
        System.exit(Cli.oneLineErrors(new picocli.CommandLine(new BenchCommand())).execute(args));
    }

    private static String cpu() throws Exception {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 2)).findFirst().orElse("unknown CPU");
    }
}
