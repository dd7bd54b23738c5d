package groksweep.analysis;

import groksweep.config.ConfigException;
import groksweep.results.Column;
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
 * A results root opened for Spark SQL: the views {@code runs}, {@code metrics} and
 * {@code spectra}. Files that cannot be read (truncated, not Parquet) are skipped with a warning
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
                    + "\n-- spark-sql -f views.sql, then query runs, metrics, spectra and the analysis views\n");
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
            s.append("CREATE OR REPLACE TEMPORARY VIEW runs AS SELECT * FROM runs_files;\n");
            for (String t : List.of("metrics", "spectra")) {
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
        for (Table t : Tables.ALL) {
            files.put(t.name(), readable(store, t, skipped));
        }
        if (files.get("runs").isEmpty()) {
            throw new ConfigException("results: '" + root + "' holds no readable runs (expected "
                    + new Path(store.root(), "runs") + "/<run_id>.parquet)");
        }
        for (String view : List.of("runs", "metrics")) { // a view opened before: drop its cache
            if (spark.catalog().tableExists(view)) {
                spark.catalog().uncacheTable(view);
            }
        }
        for (Table t : Tables.ALL) {
            List<String> paths = files.get(t.name());
            Dataset<Row> ds = paths.isEmpty()
                    ? spark.createDataFrame(List.of(), schema(t))
                    : spark.read().schema(schema(t)).parquet(paths.toArray(String[]::new));
            ds.createOrReplaceTempView(t.name() + "_files");
        }
        spark.sql("SELECT * FROM runs_files").createOrReplaceTempView("runs");
        for (String t : List.of("metrics", "spectra")) {
            spark.sql("SELECT * FROM " + t + "_files WHERE run_id IN (SELECT run_id FROM runs)").createOrReplaceTempView(t);
        }
        // Read once: every job and plot reads runs and metrics from memory (spilling to disk),
        // not the files again. spectra, which no job needs, stays on disk.
        spark.catalog().cacheTable("runs");
        spark.catalog().cacheTable("metrics");
        return new Opened(store, files, skipped);
    }

    private static List<String> readable(ResultsStore store, Table t, List<String> skipped) {
        List<String> ok = new ArrayList<>();
        try {
            Path dir = new Path(store.root(), t.name());
            if (!store.fileSystem().exists(dir)) {
                return ok;
            }
            for (FileStatus f : store.fileSystem().listStatus(dir)) {
                String name = f.getPath().getName();
                if (!name.endsWith(".parquet") || name.startsWith("_") || name.startsWith(".")) {
                    continue;
                }
                try {
                    store.checkReadable(f.getPath());
                    ok.add(f.getPath().toString());
                } catch (IOException | RuntimeException e) {
                    String run = name.substring(0, name.length() - ".parquet".length());
                    String msg = "skipping unreadable " + f.getPath() + " (run " + run + "): " + e.getMessage();
                    LOG.warn(msg);
                    skipped.add(msg);
                }
            }
        } catch (IOException e) {
            throw new ConfigException("results: cannot list " + t.name() + " under " + store.root() + ": " + e.getMessage());
        }
        return ok;
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
