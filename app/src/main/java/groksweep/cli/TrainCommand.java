package groksweep.cli;

import groksweep.config.ConfigException;
import groksweep.worker.RunMemory;
import groksweep.config.TrainConfig;
import groksweep.results.Onsets;
import groksweep.results.ResultsStore;
import groksweep.results.RunRecord;
import groksweep.train.MetricRow;
import groksweep.train.Trainer;
import groksweep.worker.Torch;
import groksweep.worker.Worker;

import org.apache.hadoop.conf.Configuration;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groksweep train}: one run to a results directory. Trainer options come from {@link TrainConfig}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train one grokking run and write it to Parquet under --out.",
        footer = "%nExit codes: 0 run finished (any status), 2 bad option or output path.")
public final class TrainCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "results root (local path or Hadoop URI); the run goes to DIR/{runs,metrics,spectra,params}")
    String out;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "libtorch threads for this run (0: all cores; 1 gives bit-identical reruns). Default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = "--timeout", defaultValue = "0", paramLabel = "SECONDS",
            description = "stop the run after this long and record it as timeout (0: none). Default: ${DEFAULT-VALUE}")
    long timeout;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "STEPS",
            description = "save parameters and optimizer state every N steps under DIR/checkpoints; a rerun of the"
                    + " same command resumes from there (0: never). Default: ${DEFAULT-VALUE}")
    int checkpointEvery;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu",
            description = "where to train; gpu needs CUDA natives of libtorch on the classpath. Default: ${DEFAULT-VALUE}")
    String device;

    @Option(names = "--init", paramLabel = "FILE.npz",
            description = "start from these parameters (and their train_idx/test_idx split, if present)")
    Path init;

    @Option(names = "--export-init", paramLabel = "FILE.npz",
            description = "write the initial parameters and split under the reference names, for replay elsewhere")
    Path exportInit;

    @Option(names = "--quiet", description = "no progress bar; only the summary line")
    boolean quiet;

    /** The picocli command with one option per {@link TrainConfig} key, default shown. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new TrainCommand());
        addTrainerOptions(cmd.getCommandSpec());
        cmd.setParameterExceptionHandler(Cli::oneLineError);
        return cmd;
    }

    static void addTrainerOptions(CommandSpec spec) {
        Map<String, Object> defaults = TrainConfig.defaults().toMap();
        for (String key : TrainConfig.keys()) {
            Class<?> type = TrainConfig.typeOf(key);
            OptionSpec.Builder b = OptionSpec.builder(flag(key))
                    .type(type == Boolean.class ? String.class : type) // a flag's "true"/"false": TrainConfig says what is allowed
                    .paramLabel(key.toUpperCase())
                    .description(TrainConfig.DOCS.get(key) + ". Default: " + defaults.get(key));
            spec.addOption(b.build());
        }
    }

    static String flag(String key) {
        return "--" + key.replace('_', '-');
    }

    /** The config from the parsed trainer options: defaults, then what was given. */
    static TrainConfig config(CommandSpec spec) {
        Map<String, Object> given = new LinkedHashMap<>();
        for (String key : TrainConfig.keys()) {
            OptionSpec o = spec.findOption(flag(key));
            if (o.getValue() != null) {
                given.put(key, o.getValue());
            }
        }
        return TrainConfig.defaults().with(given).validate();
    }

    @Override
    public Integer call() throws IOException {
        TrainConfig c;
        try {
            c = config(spec);
            RunMemory.check(c, RunMemory.available());
            Torch.device(device); // a missing GPU is a one-line error before anything is written
            if (init != null && !Files.isRegularFile(init)) {
                throw new ConfigException("--init: '" + init + "' is not a readable file; expected an .npz of parameters");
            }
            ResultsStore.checkWritable("--out", out, new Configuration()); // last: before any training, never after it
        } catch (ConfigException e) {
            return Cli.fail(spec, e.key() == null ? e.getMessage() : flag(e.key()) + e.getMessage().substring(e.key().length()));
        }
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        byte[] initBytes = init == null ? null : Files.readAllBytes(init);
        Worker.Outcome run;
        try (ProgressBar bar = quiet ? null : new ProgressBarBuilder().setTaskName("train " + c.runId())
                .setInitialMax(c.steps()).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .continuousUpdate().build()) {
            Trainer.Listener listener = new Trainer.Listener() {
                @Override
                public void onMetrics(MetricRow r) {
                    if (bar != null) {
                        bar.stepTo(r.step());
                        bar.setExtraMessage(String.format(" train %.3f test %.3f", r.trainAcc(), r.testAcc()));
                    }
                }

                @Override
                public void onMemorised(int step) {
                    Cli.say(bar, "memorised at step " + step + " (train accuracy ≥ " + Onsets.Thresholds.defaults().memorise() + ")");
                }

                @Override
                public void onGrokked(int step) {
                    Cli.say(bar, "grokked at step " + step + " (test accuracy ≥ " + Onsets.Thresholds.defaults().grok() + ")");
                }
            };
            run = Worker.run(c, new ResultsStore(out), Worker.options().threads(n).timeoutSeconds(timeout).init(initBytes)
                    .exportInit(exportInit).checkpointEvery(checkpointEvery).device(device).build(), listener);
        }
        System.out.println(summary(run, out));
        return 0;
    }

    /** One line: id, status, step, accuracies, onsets, speed, where. */
    public static String summary(Worker.Outcome o, String out) {
        RunRecord r = o.record();
        Onsets onsets = o.onsets();
        return String.format("run %s %s at step %d (%s): train acc %s, test acc %s, memorised at %s, grokked at %s;"
                        + " %.2f ms/step, %.1f s -> %s",
                r.runId(), r.status().value(), r.finalStep(), r.stopReason().value(),
                fmt(r.finalTrainAcc()), fmt(r.finalTestAcc()),
                orNever(onsets == null ? null : onsets.memorised()), orNever(onsets == null ? null : onsets.grokked()),
                r.msPerStep(), r.wallSeconds(), out)
                + (r.message() == null ? "" : " [" + r.message() + "]");
    }

    private static String fmt(Double acc) {
        return acc == null ? "-" : String.format("%.4f", acc);
    }

    private static String orNever(Integer step) {
        return step == null ? "never" : step.toString();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
