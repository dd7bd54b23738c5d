package groksweep.results;

import groksweep.config.TrainConfig;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Realistic results without training, for testing and benchmarking the analysis at scale: runs
 * over a grid of moduli, train fractions, weight decays and seeds, each with a metric curve that
 * memorises, and where the config allows, groks after a delay that grows as the train fraction
 * shrinks; key frequencies appear before grokking; spectra at every analysis step; distance
 * irrelevance and gradient symmetricity that end as a clock's or a pizza's (one run in two each)
 * as test accuracy rises. Written exactly
 * as the trainer writes (one file per run and table, the run record last). Deterministic in its seed.
 */
public final class SyntheticResults {
    private SyntheticResults() {}

    static final int[] MODULI = {59, 97, 113};
    static final double[] FRACTIONS = {0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    static final double[] DECAYS = {0.0, 0.1, 0.3, 1.0, 3.0};
    static final int STEPS = 2000;
    static final int EVAL_EVERY = 10;
    static final int ANALYSIS_EVERY = 200;

    /** Writes {@code runs} runs of {@link #STEPS} steps under {@code store}; returns their ids. */
    public static List<String> write(ResultsStore store, int runs, long seed) throws IOException {
        return write(store, runs, seed, STEPS);
    }

    /** Writes {@code runs} runs of {@code steps} steps (fewer rows: faster to write) under {@code store}; returns their ids. */
    public static List<String> write(ResultsStore store, int runs, long seed, int steps) throws IOException {
        int configs = MODULI.length * FRACTIONS.length * DECAYS.length;
        // Each run draws from its own generator, so writing them on every core gives the same files.
        return java.util.stream.IntStream.range(0, runs).parallel().mapToObj(i -> {
            int c = i % configs;
            TrainConfig config = TrainConfig.defaults().with(Map.of(
                    "weight_decay", DECAYS[c % DECAYS.length], // varies fastest: a few runs span the phases
                    "train_fraction", FRACTIONS[c / DECAYS.length % FRACTIONS.length],
                    "modulus", MODULI[c / (DECAYS.length * FRACTIONS.length)],
                    "seed", (long) (i / configs), "steps", steps, "eval_every", EVAL_EVERY,
                    "analysis_every", ANALYSIS_EVERY));
            try {
                return writeRun(store, config, new SplittableRandom(seed * 1_000_003 + i));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    static String writeRun(ResultsStore store, TrainConfig c, SplittableRandom rng) throws IOException {
        String id = c.runId();
        int p = c.modulus();
        int memorised = 60 + rng.nextInt(200);
        boolean groks = c.weightDecay() >= 0.3 && c.trainFraction() >= 0.3;
        double delay = 150 / Math.pow(c.trainFraction(), 2.5) / c.weightDecay() * (0.6 + 0.8 * rng.nextDouble());
        int grokked = groks ? memorised + (int) delay : Integer.MAX_VALUE;
        int[] keys = rng.ints(1 + rng.nextInt(4), 1, p / 2 + 1).distinct().sorted().toArray();
        // Its own draw, so that every other value stays what it was before these measures existed.
        boolean pizza = new SplittableRandom(id.hashCode()).nextBoolean();
        List<Row> metrics = new ArrayList<>();
        List<Row> spectra = new ArrayList<>();
        Row last = null;
        for (int step = 0; step <= c.steps(); step += EVAL_EVERY) {
            double trainAcc = logistic(step, memorised, 25);
            double testAcc = Math.min(1, 0.05 + (groks ? 0.95 * logistic(step, grokked, 60) : 0.1 * trainAcc));
            double trainLoss = Math.log(p) * (1 - trainAcc) + 1e-6;
            double testLoss = Math.log(p) * (1 - testAcc) * (1 + 2 * trainAcc * (1 - testAcc)) + 1e-6;
            Row r = Tables.METRICS.row().set("run_id", id).set("step", step).set("train_loss", trainLoss)
                    .set("train_acc", trainAcc).set("test_loss", testLoss).set("test_acc", testAcc)
                    .set("lr", c.lr()).set("weight_sq_sum", 2000 * (1 - 0.5 * testAcc));
            if (step % ANALYSIS_EVERY == 0) {
                int[] known = step >= Math.min(grokked, c.steps()) - 300 ? keys : new int[0];
                r.set("restricted_loss", testLoss * (1 - testAcc) + 1e-7).set("excluded_loss", trainLoss + 5 * testAcc)
                        .set("gini_embed", 0.1 + 0.5 * testAcc).set("gini_wl", 0.1 + 0.6 * testAcc)
                        .set("n_key_freqs", known.length).set("key_freqs", known).set("key_freqs_embed", known)
                        // from the middle (0.5, 0.9) towards the pizza's (0.1, 0.995) or the clock's (0.95, 0.5)
                        .set("distance_irrelevance", pizza ? 0.5 - 0.4 * testAcc : 0.5 + 0.45 * testAcc)
                        .set("gradient_symmetricity", pizza ? 0.9 + 0.095 * testAcc : 0.9 - 0.4 * testAcc);
                for (int k = 1; k <= p / 2; k++) {
                    boolean key = Arrays.binarySearch(known, k) >= 0;
                    for (String source : new String[] {"embed", "wl", "neurons"}) {
                        double value = source.equals("neurons") ? (key ? 20 + rng.nextInt(60) : 0)
                                : (key ? 5 : 0.5) * (0.5 + rng.nextDouble());
                        spectra.add(Tables.SPECTRA.row().set("run_id", id).set("step", step).set("source", source)
                                .set("k", k).set("value", value));
                    }
                }
            }
            metrics.add(r);
            last = r;
        }
        store.write(Tables.METRICS, id, metrics);
        store.write(Tables.SPECTRA, id, spectra);
        store.write(Tables.RUNS, id, List.of(new RunRecord(id, c, RunStatus.OK, StopReason.STEPS, null, c.steps(),
                last.getDouble("train_loss"), last.getDouble("train_acc"), last.getDouble("test_loss"),
                last.getDouble("test_acc"), 60.0, 30.0, 1, 0, "synthetic", Instant.EPOCH.toString(),
                groksweep.RuntimeSettings.version(), "synthetic", "synthetic").toRow()));
        return id;
    }

    private static double logistic(double x, double mid, double width) {
        return 1 / (1 + Math.exp(-(x - mid) / width));
    }
}
