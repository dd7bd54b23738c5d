package groksweep.sweep;

import groksweep.config.ConfigException;
import groksweep.config.Secrets;
import groksweep.config.TrainConfig;

import org.apache.hadoop.conf.Configuration;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A sweep: a name, an output root, grid axes over any trainer option, fixed trainer options,
 * Spark settings, and execution limits. Parsed strictly: an unknown key, a wrong type, a value
 * out of range, an empty or repeated axis, or a YAML type tag is a {@link ConfigException} naming
 * the key and its line.
 *
 * <pre>
 * name: laptop
 * output: results/laptop
 * grid:                    # every combination is one run
 *   modulus: [59]
 *   weight_decay: [0.0, 1.0]
 * # or a list of such grids, their runs together (a run in two of them once), e.g. a train
 * # fraction per group:  grid: [{group: [S5], train_fraction: [0.4]}, {group: [S6], train_fraction: [0.25]}]
 * trainer:                 # fixed for every run
 *   steps: 2000
 * spark:                   # any Spark setting
 *   spark.master: local[*]
 * run_timeout_seconds: 900
 * threads_per_run: 1
 * checkpoint_every: 1000   # a run whose task is lost resumes from its last checkpoint
 * device: cpu              # or gpu: one GPU per task via spark.task.resource.gpu.amount
 * pack_size: 1             # runs of one shape per task, trained as one batched model (for GPUs)
 * search:                  # optional: per grid combination, where an outcome changes on one axis ({@link Search})
 *   axis: train_fraction
 *   range: [0.1, 0.9]
 *   resolution: 0.025
 *   outcome: grokked
 * </pre>
 */
public record SweepSpec(
        String name,
        String output,
        List<Map<String, List<Object>>> grids,
        Map<String, Object> trainer,
        Map<String, String> spark,
        long runTimeoutSeconds,
        int threadsPerRun,
        int checkpointEvery,
        String device,
        int packSize,
        Search search) {

    public static final Set<String> KEYS = Set.of("name", "output", "grid", "trainer", "spark", "run_timeout_seconds",
            "threads_per_run", "checkpoint_every", "device", "pack_size", "search");

    /** The largest pack a spec may ask for. */
    public static final int MAX_PACK_SIZE = 256;

    public static SweepSpec parse(String yaml) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            throw new ConfigException("spec: not valid YAML at line " + (e.getProblemMark().getLine() + 1)
                    + ": " + e.getProblem());
        } catch (YAMLException e) { // e.g. an alias bomb: more aliases than LoaderOptions allows
            throw new ConfigException("spec: not a usable YAML document: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + "; expected plain YAML");
        }
        if (!(root instanceof MappingNode map)) {
            throw new ConfigException("spec: expected a mapping of " + new TreeSet<>(KEYS));
        }
        Map<String, Node> top = entries(map, "spec");
        for (String key : top.keySet()) {
            if (!KEYS.contains(key)) {
                throw at(top.get(key), key, "unknown key; expected one of " + new TreeSet<>(KEYS));
            }
        }
        String name = string(require(top, "name"), "name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*") || name.contains("..")) {
            throw at(top.get("name"), "name", "'" + name + "' is not allowed; expected letters, digits, '_', '.' or '-'");
        }
        String output = string(require(top, "output"), "output");
        if (climbs(output)) {
            throw at(top.get("output"), "output", "'" + output + "' is not allowed; expected a path without '..'");
        }
        List<Map<String, List<Object>>> grids = new ArrayList<>();
        Node gridNode = top.get("grid");
        if (gridNode instanceof SequenceNode list) {
            checkTag(list, "grid");
            if (list.getValue().isEmpty()) {
                throw at(list, "grid", "empty list; expected one or more grids, each a mapping of axes");
            }
            for (int i = 0; i < list.getValue().size(); i++) {
                grids.add(grid(list.getValue().get(i), "grid[" + i + "]"));
            }
        } else {
            grids.add(gridNode == null ? Map.of() : grid(gridNode, "grid"));
        }
        Map<String, Object> trainer = new LinkedHashMap<>();
        if (top.containsKey("trainer")) {
            for (Map.Entry<String, Node> e : entries(mapping(top.get("trainer"), "trainer"), "trainer").entrySet()) {
                String key = "trainer." + e.getKey();
                trainerKey(e.getValue(), key, e.getKey());
                if (grids.stream().anyMatch(g -> g.containsKey(e.getKey()))) {
                    throw at(e.getValue(), key, "also a grid axis; give it in one place");
                }
                trainer.put(e.getKey(), scalar(e.getValue(), key));
            }
        }
        Map<String, String> spark = new LinkedHashMap<>();
        if (top.containsKey("spark")) {
            for (Map.Entry<String, Node> e : entries(mapping(top.get("spark"), "spark"), "spark").entrySet()) {
                if (!e.getKey().startsWith("spark.")) {
                    throw at(e.getValue(), "spark." + e.getKey(), "expected a Spark setting starting with 'spark.'");
                }
                spark.put(e.getKey(), String.valueOf(scalar(e.getValue(), "spark." + e.getKey())));
            }
        }
        long timeout = top.containsKey("run_timeout_seconds")
                ? wholeNumber(top.get("run_timeout_seconds"), "run_timeout_seconds", 0) : 0;
        int threads = top.containsKey("threads_per_run")
                ? (int) wholeNumber(top.get("threads_per_run"), "threads_per_run", 1) : 1;
        int checkpointEvery = top.containsKey("checkpoint_every")
                ? (int) wholeNumber(top.get("checkpoint_every"), "checkpoint_every", 0) : 0;
        String device = top.containsKey("device") ? string(top.get("device"), "device") : "cpu";
        if (!device.equals("cpu") && !device.equals("gpu")) {
            throw at(top.get("device"), "device", "'" + device + "' is not allowed; expected cpu or gpu");
        }
        int packSize = top.containsKey("pack_size") ? (int) wholeNumber(top.get("pack_size"), "pack_size", 1) : 0;
        if (packSize > MAX_PACK_SIZE) {
            throw at(top.get("pack_size"), "pack_size", "'" + packSize + "' is not allowed; expected a whole number from 1 to "
                    + MAX_PACK_SIZE);
        }
        Search search = top.containsKey("search") ? search(top.get("search"), grids, trainer) : null;
        checkSize(grids, gridNode, search == null ? 1 : search.axes().stream().mapToLong(a -> a.last() + 1L).reduce(1, Math::multiplyExact));
        SweepSpec spec = new SweepSpec(name, output, List.copyOf(grids), trainer, spark, timeout, threads, checkpointEvery, device,
                packSize, search);
        spec.checkRuns(top);
        return spec;
    }

    /** One grid: a mapping of trainer options to their non-empty lists of distinct values. */
    private static Map<String, List<Object>> grid(Node node, String where) {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        for (Map.Entry<String, Node> axis : entries(mapping(node, where), where).entrySet()) {
            String key = where + "." + axis.getKey();
            trainerKey(axis.getValue(), key, axis.getKey());
            if (!(axis.getValue() instanceof SequenceNode seq)) {
                throw at(axis.getValue(), key, "expected a list of values, e.g. [0.3, 0.5]");
            }
            if (seq.getValue().isEmpty()) {
                throw at(seq, key, "empty axis; expected at least one value");
            }
            List<Object> values = new ArrayList<>();
            Set<Object> seen = new HashSet<>();
            for (Node v : seq.getValue()) {
                Object value = scalar(v, key);
                if (!seen.add(value instanceof Number n ? n.doubleValue() : value)) {
                    throw at(v, key, "duplicate value '" + value + "'");
                }
                values.add(value);
            }
            grid.put(axis.getKey(), List.copyOf(values));
        }
        return grid;
    }

    /** The options that vary in some grid, in the trainer's order. */
    public List<String> axes() {
        return TrainConfig.keys().stream().filter(k -> grids.stream().anyMatch(g -> g.containsKey(k))).toList();
    }

    /** Whether a path steps up with '..', which an output may not. */
    private static boolean climbs(String path) {
        return List.of(path.split("[/\\\\]")).contains("..");
    }

    /**
     * This sweep into another output ({@code sweep --output}), e.g. a shipped spec into HDFS or S3.
     * Run ids do not depend on the output; the spec's hash does, as the saved spec names it.
     */
    public SweepSpec withOutput(String other) {
        if (climbs(other)) {
            throw new ConfigException("--output: '" + other + "' is not allowed; expected a path without '..'");
        }
        return new SweepSpec(name, other, grids, trainer, spark, runTimeoutSeconds, threadsPerRun, checkpointEvery, device,
                packSize, search);
    }

    /**
     * The most runs one sweep may have. Spark runs one task per run, and a driver plans, tracks and
     * reports 100,000 tasks comfortably; a larger grid is split into several sweeps (they may share
     * one output).
     */
    public static final long MAX_RUNS = 100_000;

    /** Refuses grids of more than {@link #MAX_RUNS} runs from the axis sizes alone, before expanding them. */
    private static void checkSize(List<Map<String, List<Object>>> grids, Node node, long pointsEach) {
        BigInteger runs = BigInteger.ZERO;
        for (Map<String, List<Object>> grid : grids) {
            BigInteger product = BigInteger.ONE;
            for (List<Object> values : grid.values()) {
                product = product.multiply(BigInteger.valueOf(values.size()));
            }
            runs = runs.add(product);
        }
        runs = runs.multiply(BigInteger.valueOf(pointsEach));
        if (runs.compareTo(BigInteger.valueOf(MAX_RUNS)) > 0) {
            String what = (grids.size() > 1 ? grids.size() + " grids"
                    : grids.get(0).size() + " axes of " + String.join(" × ",
                            grids.get(0).values().stream().map(v -> String.valueOf(v.size())).toList()) + " values")
                    + (pointsEach > 1 ? ", each searched over " + pointsEach + " points," : "");
            throw at(node, "grid", what + " make " + String.format("%,d", runs)
                    + " runs; expected at most " + String.format("%,d", MAX_RUNS) + " per sweep (split it into several)");
        }
    }

    /** Every run's config must be valid; the error names the axis or option that breaks it. */
    private void checkRuns(Map<String, Node> top) {
        try {
            TrainConfig.defaults().with(trainer).validate();
        } catch (ConfigException e) {
            throw relabel(e, "trainer.", top.get("trainer"));
        }
        for (int i = 0; i < grids.size(); i++) {
            String where = grids.size() > 1 ? "grid[" + i + "]." : "grid.";
            for (Map.Entry<String, List<Object>> axis : grids.get(i).entrySet()) {
                for (Object value : axis.getValue()) {
                    try { // the value with the grid's other axes at their first values, e.g. muon_lr with optimizer: [muon]
                        Map<String, Object> one = new LinkedHashMap<>(trainer);
                        grids.get(i).forEach((other, values) -> one.put(other, values.get(0)));
                        one.put(axis.getKey(), value);
                        TrainConfig.defaults().with(one).validate();
                    } catch (ConfigException e) {
                        throw relabel(e, where, top.get("grid"));
                    }
                }
            }
        }
        Grid.expand(this).forEach(TrainConfig::validate); // combinations, e.g. d_model with n_heads
        if (search != null) { // the range's ends on every combination: a bad one names search.range
            for (TrainConfig base : Grid.expand(this)) {
                for (int i : List.of(0, search.last())) {
                    try {
                        if (search.plane()) { // the plane's four corners
                            search.point(base, i, 0).validate();
                            search.point(base, i, search.axes().get(1).last()).validate();
                        } else {
                            search.point(base, i).validate();
                        }
                    } catch (ConfigException e) {
                        throw at(entries((MappingNode) top.get("search"), "search").get("range"), "search.range", e.getMessage());
                    }
                }
            }
        }
    }

    static final Set<String> SEARCH_KEYS = Set.of("axis", "range", "resolution", "outcome", "threshold", "replicates");

    /** The {@code search:} section; its range is checked against the option with every run ({@link #checkRuns}). */
    private static Search search(Node node, List<Map<String, List<Object>>> grids, Map<String, Object> trainer) {
        Map<String, Node> m = entries(mapping(node, "search"), "search");
        for (String key : m.keySet()) {
            if (!SEARCH_KEYS.contains(key)) {
                throw at(m.get(key), "search." + key, "unknown key; expected one of " + new TreeSet<>(SEARCH_KEYS));
            }
        }
        Node axisNode = required(m, node, "axis"), rangeNode = required(m, node, "range");
        Node resolutionNode = required(m, node, "resolution");
        boolean plane = axisNode instanceof SequenceNode;
        List<Search.Lattice> axes = new ArrayList<>();
        if (plane) { // two axes: each key a list of two, in the same order
            List<Node> names = pair(axisNode, "search.axis", "a list of two options, e.g. [weight_decay, train_fraction]");
            List<Node> ranges = pair(rangeNode, "search.range", "a range per axis, e.g. [[0, 3], [0.1, 0.9]]");
            List<Node> steps = pair(resolutionNode, "search.resolution", "a resolution per axis, e.g. [0.25, 0.05]");
            for (int t = 0; t < 2; t++) {
                axes.add(lattice(names.get(t), ranges.get(t), steps.get(t), grids, trainer));
            }
            if (axes.get(0).axis().equals(axes.get(1).axis())) {
                throw at(axisNode, "search.axis", "the same option twice; expected two different ones");
            }
        } else {
            axes.add(lattice(axisNode, rangeNode, resolutionNode, grids, trainer));
        }
        Node outcomeNode = required(m, node, "outcome");
        String outcome = string(outcomeNode, "search.outcome");
        if (!Search.Outcome.keys().contains(outcome)) {
            throw at(outcomeNode, "search.outcome", "'" + outcome + "' is not allowed; expected one of "
                    + Search.Outcome.keys());
        }
        Search.Outcome o = Search.Outcome.valueOf(outcome.toUpperCase(Locale.ROOT));
        if (o == Search.Outcome.PHASE && !plane) {
            throw at(outcomeNode, "search.outcome", "'phase' is searched over two axes; expected grokked, memorised or"
                    + " test_loss_below on one");
        }
        double threshold = Search.DEFAULT_THRESHOLD;
        if (m.containsKey("threshold")) {
            if (o != Search.Outcome.TEST_LOSS_BELOW) {
                throw at(m.get("threshold"), "search.threshold", "only with outcome: test_loss_below");
            }
            threshold = decimal(m.get("threshold"), "search.threshold").doubleValue();
        }
        List<String> replicates = Search.DEFAULT_REPLICATES;
        if (m.containsKey("replicates")) {
            Set<String> axesOfGrids = new TreeSet<>();
            grids.forEach(g -> axesOfGrids.addAll(g.keySet()));
            if (!(m.get("replicates") instanceof SequenceNode seq)) {
                throw at(m.get("replicates"), "search.replicates", "expected a list of grid axes, e.g. [seed], or []");
            }
            replicates = new ArrayList<>();
            for (Node n : seq.getValue()) {
                String axis = string(n, "search.replicates");
                if (!axesOfGrids.contains(axis)) {
                    throw at(n, "search.replicates", "'" + axis + "' is not a grid axis; expected some of " + axesOfGrids);
                }
                replicates.add(axis);
            }
            replicates = List.copyOf(replicates);
        }
        return new Search(List.copyOf(axes), o, threshold, replicates);
    }

    /** One searched axis: a numeric option in neither the grid nor the fixed options, its range and resolution. */
    private static Search.Lattice lattice(Node axisNode, Node rangeNode, Node resolutionNode,
            List<Map<String, List<Object>>> grids, Map<String, Object> trainer) {
        String axis = string(axisNode, "search.axis");
        trainerKey(axisNode, "search.axis", axis);
        Class<?> type = TrainConfig.typeOf(axis);
        if (!Number.class.isAssignableFrom(type)) {
            throw at(axisNode, "search.axis", "'" + axis + "' is not numeric; expected a numeric trainer option, e.g."
                    + " train_fraction, weight_decay or lr");
        }
        if (grids.stream().anyMatch(g -> g.containsKey(axis))) {
            throw at(axisNode, "search.axis", "'" + axis + "' is also a grid axis; give it in one place");
        }
        if (trainer.containsKey(axis)) {
            throw at(axisNode, "search.axis", "'" + axis + "' is also fixed under trainer; give it in one place");
        }
        if (!(rangeNode instanceof SequenceNode range) || range.getValue().size() != 2) {
            throw at(rangeNode, "search.range", "expected [low, high], e.g. [0.1, 0.9]");
        }
        BigDecimal lo = decimal(range.getValue().get(0), "search.range");
        BigDecimal hi = decimal(range.getValue().get(1), "search.range");
        if (lo.compareTo(hi) >= 0) {
            throw at(rangeNode, "search.range", "[" + lo + ", " + hi + "] is not allowed; expected low < high");
        }
        BigDecimal resolution = decimal(resolutionNode, "search.resolution");
        if (resolution.signum() <= 0) {
            throw at(resolutionNode, "search.resolution", "'" + resolution + "' is not allowed; expected a number > 0");
        }
        boolean whole = type == Integer.class || type == Long.class;
        if (whole && (resolution.stripTrailingZeros().scale() > 0 || lo.stripTrailingZeros().scale() > 0
                || hi.stripTrailingZeros().scale() > 0)) {
            throw at(resolutionNode, "search", axis + " takes whole numbers; expected a whole range and resolution");
        }
        if (hi.subtract(lo).divide(resolution, RoundingMode.CEILING).compareTo(BigDecimal.valueOf(MAX_RUNS)) > 0) {
            throw at(resolutionNode, "search.resolution", "'" + resolution + "' makes more than " + MAX_RUNS
                    + " points of the range; expected a coarser one");
        }
        return new Search.Lattice(axis, lo, hi, resolution);
    }

    private static List<Node> pair(Node node, String key, String expected) {
        if (node instanceof SequenceNode seq && seq.getValue().size() == 2) {
            return seq.getValue();
        }
        throw at(node, key, "expected " + expected);
    }

    private static Node required(Map<String, Node> m, Node section, String key) {
        Node n = m.get(key);
        if (n == null) {
            throw at(section, "search." + key, "missing; a search gives axis, range, resolution and outcome");
        }
        return n;
    }

    private static BigDecimal decimal(Node node, String key) {
        Object v = scalar(node, key);
        if (v instanceof Long || v instanceof Double d && Double.isFinite(d)) {
            return new BigDecimal(v.toString());
        }
        throw at(node, key, "'" + v + "' is not allowed; expected a number");
    }

    /**
     * SHA-256 of the canonical spec: the same sweep, however written, has the same hash. Secret
     * settings enter it redacted, so the hash does not depend on (or reveal) their values. Trainer
     * options at their neutral default are left out, as from run ids, so adding an option keeps
     * every spec's hash.
     */
    public String hash() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(canonical(false).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The resolved spec as YAML with sorted keys, every trainer option included: saved with the results. */
    public String canonical() {
        return canonical(true);
    }

    private String canonical(boolean everyOption) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("output", output);
        // One grid is written as before, so specs written before lists of grids keep their hash.
        m.put("grid", grids.size() == 1 ? new TreeMap<>(grids.get(0)) : grids.stream().map(TreeMap::new).toList());
        Map<String, Object> options = new TreeMap<>(TrainConfig.defaults().with(trainer).toMap());
        if (!everyOption) {
            options.entrySet().removeIf(e -> e.getValue().equals(TrainConfig.NEUTRAL.get(e.getKey())));
        }
        m.put("trainer", options);
        m.put("spark", new TreeMap<>(Secrets.redact(spark))); // saved with the results: no secret values
        m.put("run_timeout_seconds", runTimeoutSeconds);
        m.put("threads_per_run", threadsPerRun);
        m.put("checkpoint_every", checkpointEvery);
        m.put("device", device);
        if (packSize > 0) { // absent unless given, so specs written before packing keep their hash
            m.put("pack_size", packSize);
        }
        if (search != null) {
            m.put("search", search.canonical());
        }
        return new Yaml().dump(m);
    }

    /** The Hadoop settings of this spec: its {@code spark.hadoop.*} settings, prefix removed (endpoints, credentials). */
    public Map<String, String> hadoopSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        spark.forEach((key, value) -> {
            if (key.startsWith("spark.hadoop.")) {
                out.put(key.substring("spark.hadoop.".length()), value);
            }
        });
        return out;
    }

    /** {@link #hadoopSettings} over the defaults and the *-site.xml files: how the driver reaches the output before Spark starts. */
    public Configuration hadoopConfiguration() {
        return withSettings(new Configuration(), hadoopSettings());
    }

    /** A copy of {@code base} with {@code settings} set over it. */
    public static Configuration withSettings(Configuration base, Map<String, String> settings) {
        Configuration conf = new Configuration(base);
        settings.forEach(conf::set);
        return conf;
    }

    /** As a record prints itself, but with secret Spark settings redacted: specs end up in logs and errors. */
    @Override
    public String toString() {
        return "SweepSpec[name=" + name + ", output=" + output + ", grids=" + grids + ", trainer=" + trainer
                + ", spark=" + Secrets.redact(spark) + ", runTimeoutSeconds=" + runTimeoutSeconds
                + ", threadsPerRun=" + threadsPerRun + ", checkpointEvery=" + checkpointEvery + ", device=" + device
                + ", packSize=" + packSize + ", search=" + search + "]";
    }

    private static ConfigException relabel(ConfigException e, String prefix, Node node) {
        String line = node == null ? "" : " (line " + (node.getStartMark().getLine() + 1) + ")";
        return new ConfigException(prefix + e.getMessage().replaceFirst(": ", line + ": "));
    }

    private static void trainerKey(Node node, String key, String option) {
        if (!TrainConfig.keys().contains(option)) {
            throw at(node, key, "unknown trainer option; expected one of " + TrainConfig.keys());
        }
    }

    private static Map<String, Node> entries(MappingNode map, String where) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            String key = string(t.getKeyNode(), where + " key");
            if (out.put(key, t.getValueNode()) != null) {
                throw at(t.getKeyNode(), where.equals("spec") ? key : where + "." + key, "given twice");
            }
        }
        return out;
    }

    private static MappingNode mapping(Node node, String key) {
        if (node instanceof MappingNode m) {
            checkTag(node, key);
            return m;
        }
        throw at(node, key, "expected a mapping of key: value");
    }

    private static Node require(Map<String, Node> top, String key) {
        Node n = top.get(key);
        if (n == null) {
            throw new ConfigException(key + ": missing; the spec must give it");
        }
        return n;
    }

    private static String string(Node node, String key) {
        Object v = scalar(node, key);
        if (v instanceof String s && !s.isBlank()) {
            return s;
        }
        throw at(node, key, "'" + v + "' is not allowed; expected a non-empty string");
    }

    private static long wholeNumber(Node node, String key, long min) {
        Object v = scalar(node, key);
        if (v instanceof Long n && n >= min) {
            return n;
        }
        throw at(node, key, "'" + v + "' is not allowed; expected a whole number ≥ " + min);
    }

    /** A plain scalar: Long, Double, Boolean or String. Tags other than YAML's own are refused. */
    private static Object scalar(Node node, String key) {
        checkTag(node, key);
        if (!(node instanceof ScalarNode s)) {
            throw at(node, key, "expected a single value");
        }
        Tag tag = s.getTag();
        String text = s.getValue();
        try {
            if (tag.equals(Tag.INT)) {
                return Long.parseLong(text.replace("_", ""));
            }
            if (tag.equals(Tag.FLOAT)) {
                return Double.parseDouble(text.replace("_", ""));
            }
        } catch (NumberFormatException e) {
            throw at(node, key, "'" + text + "' is not a number");
        }
        if (tag.equals(Tag.BOOL)) {
            return Boolean.parseBoolean(text);
        }
        if (tag.equals(Tag.NULL)) {
            throw at(node, key, "empty value; expected a value");
        }
        return text;
    }

    private static void checkTag(Node node, String key) {
        Tag tag = node.getTag();
        boolean standard = tag.equals(Tag.STR) || tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) || tag.equals(Tag.BOOL)
                || tag.equals(Tag.NULL) || tag.equals(Tag.MAP) || tag.equals(Tag.SEQ);
        if (!standard) {
            throw at(node, key, "YAML tag '" + tag.getValue() + "' is not allowed; plain values only");
        }
    }

    private static ConfigException at(Node node, String key, String problem) {
        return new ConfigException(key + " (line " + (node.getStartMark().getLine() + 1) + "): " + problem);
    }
}
