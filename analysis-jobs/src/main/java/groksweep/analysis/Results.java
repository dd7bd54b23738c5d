package groksweep.analysis;

import groksweep.config.ConfigException;
import groksweep.config.TrainConfig;
import groksweep.results.Column;
import groksweep.results.Compaction;
import groksweep.results.ResultsStore;
import groksweep.results.Table;
import groksweep.results.Tables;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A results root opened for Spark SQL: the views {@code runs}, {@code metrics}, {@code spectra}
 * and {@code irreps}. Files that cannot be read (truncated, not Parquet) are skipped with a warning
 * naming the file and its run; metrics and spectra of runs that were never committed are left out.
 */
public final class Results {
    private static final Logger LOG = LogManager.getLogger(Results.class);

    private Results() {}

    /** What was registered, with the files skipped because they could not be read. */
    public record Opened(ResultsStore store, Map<String, List<String>> files, List<String> skipped) {
        /** The CREATE VIEW statements for a plain spark-sql session. */
        public String viewsSql(Map<String, String> derived) {
            StringBuilder s = new StringBuilder("-- groksweep views over " + store.root()
                    + "\n-- The views are temporary: open them in the shell you query from, spark-sql -i views.sql"
                    + "\n-- (with -f they would vanish as the file ends), then query runs, metrics, spectra, irreps and the analysis views.\n");
            for (Table t : Tables.ALL) {
                s.append("CREATE OR REPLACE TEMPORARY VIEW ").append(t.name()).append("_files ");
                if (files.get(t.name()).isEmpty()) { // no files yet: an empty view of the right schema
                    s.append("AS SELECT ").append(String.join(", ", java.util.Arrays.stream(schema(t).fields())
                            .map(f -> "CAST(NULL AS " + f.dataType().sql() + ") AS " + f.name()).toList()))
                            .append(" WHERE false;\n");
                } else {
                    s.append("USING parquet OPTIONS (path '").append(new Path(store.root(), t.name())).append("');\n");
                }
            }
            s.append("CREATE OR REPLACE TEMPORARY VIEW runs AS ").append(runsView()).append(";\n");
            for (String t : perRun()) {
                s.append("CREATE OR REPLACE TEMPORARY VIEW ").append(t).append(" AS SELECT * FROM ").append(t)
                        .append("_files WHERE run_id IN (SELECT run_id FROM runs);\n");
            }
            derived.forEach((name, sql) -> s.append("CREATE OR REPLACE TEMPORARY VIEW ").append(name)
                    .append(" AS\n").append(sql).append(";\n"));
            return s.toString();
        }
    }

    /** Registers the raw views; a missing or empty root is a one-line {@link ConfigException}. */
    public static Opened open(SparkSession spark, String root) {
        ResultsStore store;
        try {
            store = new ResultsStore(root, spark.sparkContext().hadoopConfiguration());
            if (!store.fileSystem().exists(store.root())) {
                throw new ConfigException("results: '" + root + "' does not exist; expected a results directory");
            }
        } catch (java.io.UncheckedIOException | IOException e) {
            throw new ConfigException("results: '" + root + "' cannot be read: " + e.getMessage());
        }
        Map<String, List<String>> files = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        Compaction.Snapshot snapshot;
        try {
            snapshot = Compaction.snapshot(store); // each committed run once, while a compaction runs too
        } catch (IOException e) {
            throw new ConfigException("results: '" + root + "' cannot be read: " + e.getMessage());
        }
        for (Table t : Tables.ALL) {
            files.put(t.name(), readable(store, snapshot.files(t), skipped));
        }
        if (files.get("runs").isEmpty()) {
            throw new ConfigException("results: '" + root + "' holds no readable runs (expected "
                    + new Path(store.root(), "runs") + "/<run_id>.parquet)");
        }
        uncache(spark);
        boolean compacted = snapshot.manifest().version() > 0;
        for (Table t : Tables.ALL) {
            List<String> paths = files.get(t.name());
            String dir = new Path(store.root(), t.name()).toString();
            boolean whole = !compacted && skipped.stream().noneMatch(s -> s.contains("/" + t.name() + "/"));
            Dataset<Row> ds = paths.isEmpty() ? spark.createDataFrame(List.of(), schema(t))
                    : whole ? spark.read().schema(schema(t)).parquet(dir) // one listing, not one per file
                    : spark.read().schema(schema(t)).parquet(paths.toArray(String[]::new));
            if (!paths.isEmpty() && !snapshot.rewritten().isEmpty()) { // runs written again since compaction: their new files win
                ds = ds.where(functions.not(functions.input_file_name().contains("/" + Compaction.PART_PREFIX)
                        .and(functions.col("run_id").isin(snapshot.rewritten().toArray()))));
            }
            ds.createOrReplaceTempView(t.name() + "_files");
        }
        spark.sql(runsView()).createOrReplaceTempView("runs");
        for (String t : perRun()) {
            spark.sql("SELECT * FROM " + t + "_files WHERE run_id IN (SELECT run_id FROM runs)").createOrReplaceTempView(t);
        }
        searchViews(spark, store);
        return new Opened(store, files, skipped);
    }

    /** The boundaries and cells views: every search's file under boundaries/ and cells/ (empty without searches). */
    private static void searchViews(SparkSession spark, ResultsStore store) {
        for (Table t : List.of(Tables.BOUNDARIES, Tables.CELLS)) {
            boolean any;
            try {
                any = store.exists(t.name());
            } catch (IOException e) {
                any = false;
            }
            (any ? spark.read().schema(schema(t)).parquet(new Path(store.root(), t.name()).toString())
                    : spark.createDataFrame(List.of(), schema(t))).createOrReplaceTempView(t.name());
        }
    }

    /** The tables with rows per step of a run, whose views keep only committed runs: all but runs. */
    private static List<String> perRun() {
        return Tables.ALL.stream().filter(t -> t != Tables.RUNS).map(Table::name).toList();
    }

    /**
     * The runs view over runs_files: every column, with each option added after 0.1.0 read as its
     * neutral default ({@link TrainConfig#NEUTRAL}, what runs did before the option existed) where
     * a run written before it lacks it. So an old run and a new one that computed the same thing
     * fall in one config, and a filter such as {@code operation = 'add'} finds both.
     */
    static String runsView() {
        StructType schema = schema(Tables.RUNS);
        return "SELECT " + String.join(", ", Tables.RUNS.columns().stream().map(c -> {
            Object neutral = TrainConfig.NEUTRAL.get(c.name());
            return neutral == null ? c.name() : "coalesce(" + c.name() + ", CAST('" + neutral + "' AS "
                    + schema.apply(c.name()).dataType().sql() + ")) AS " + c.name();
        }).toList()) + " FROM runs_files";
    }

    /**
     * Keeps runs and metrics in memory (spilling to disk) once first read, so that every job and
     * plot of an analysis reads the files once. spectra, which no job needs, stays on disk. Not
     * for a single query, which would read every run to fill the cache.
     */
    public static void cache(SparkSession spark) {
        spark.catalog().cacheTable("runs");
        spark.catalog().cacheTable("metrics");
    }

    /** Drops the caches of views opened before, which are about to be replaced. */
    private static void uncache(SparkSession spark) {
        for (String view : List.of("runs", "metrics")) {
            if (spark.catalog().tableExists(view)) {
                spark.catalog().uncacheTable(view);
            }
        }
    }

    private static List<String> readable(ResultsStore store, List<Path> files, List<String> skipped) {
        List<String> ok = new ArrayList<>();
        try {
            List<Path> candidates = files;
            // Footers are checked in parallel: thousands of small reads, bound by latency, not by cores.
            java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(16);
            List<String> problems;
            try {
                problems = pool.submit(() -> candidates.parallelStream().map(f -> problem(store, f)).toList()).get();
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                throw new IOException(e);
            } finally {
                pool.shutdown();
            }
            for (int i = 0; i < candidates.size(); i++) {
                if (problems.get(i) == null) {
                    ok.add(candidates.get(i).toString());
                } else {
                    LOG.warn(problems.get(i));
                    skipped.add(problems.get(i));
                }
            }
        } catch (IOException e) {
            throw new ConfigException("results: cannot read " + store.root() + ": " + e.getMessage());
        }
        return ok;
    }

    /** Why {@code f} cannot be read, as a warning naming the file and its run; null when it can. */
    private static String problem(ResultsStore store, Path f) {
        try {
            store.checkReadable(f);
            return null;
        } catch (IOException | RuntimeException e) {
            String name = f.getName();
            return "skipping unreadable " + f + " (run " + name.substring(0, name.length() - ".parquet".length())
                    + "): " + e.getMessage() + " ('groksweep verify' lists damaged runs; 'sweep SPEC --repair' retrains them)";
        }
    }

    /** The Spark schema of a results table, from the one definition in {@link Tables}. */
    public static StructType schema(Table t) {
        List<StructField> fields = new ArrayList<>();
        for (Column c : t.columns()) {
            DataType type = switch (c.type()) {
                case INT32 -> DataTypes.IntegerType;
                case INT64 -> DataTypes.LongType;
                case DOUBLE -> DataTypes.DoubleType;
                case STRING -> DataTypes.StringType;
                case BOOLEAN -> DataTypes.BooleanType;
                case INT32_LIST -> DataTypes.createArrayType(DataTypes.IntegerType, false);
            };
            fields.add(DataTypes.createStructField(c.name(), type, c.nullable()));
        }
        return DataTypes.createStructType(fields);
    }
}
