package groksweep.results;

import groksweep.config.ConfigException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A results root on any Hadoop file system (local path, file:, hdfs:, s3a:): one directory per
 * table, one file per run in each. Every file appears whole or not at all ({@link #publish}: a
 * hidden temporary renamed into place, or on an object store an upload that completes), so a
 * reader (Spark ignores names starting with _ or .) never sees half a file and a crash leaves no
 * partial one. A run is committed once its file in {@code runs/} exists, which is written last;
 * rewriting a run replaces its files whole, so a retried task can never leave duplicate rows.
 */
public final class ResultsStore {
    public static final String TMP_PREFIX = "_tmp-";

    /**
     * Row groups of 16 MB: a compacted part sorted by run then holds many, each with its run_id
     * range in the footer, so a query for one run reads only the groups that can hold it.
     */
    static final long ROW_GROUP_BYTES = 16L << 20;

    /** Schemes of object stores, where a rename is a copy and a delete: files are written in place. */
    static final java.util.Set<String> OBJECT_STORES = java.util.Set.of("s3a", "s3", "gs", "abfs", "abfss", "wasb", "wasbs", "oss");

    private final Path root;
    private final FileSystem fs;
    private final Configuration conf;
    private final boolean objectStore;

    public ResultsStore(String root) {
        this(root, new Configuration());
    }

    public ResultsStore(String root, Configuration conf) {
        this.conf = conf;
        try {
            Path path = new Path(root);
            this.fs = path.getFileSystem(conf);
            this.root = fs.makeQualified(path);
            this.objectStore = OBJECT_STORES.contains(this.root.toUri().getScheme());
            fs.setWriteChecksum(false); // no .crc side files next to results on a local disk
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open results root " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks, before any work, that results can be written under {@code root}, by creating and
     * deleting a probe file there; throws a one-line {@link ConfigException} naming {@code option}
     * when the URI is malformed, its scheme has no file system here, it is a file, or the probe
     * fails (e.g. under /proc, or on a read-only mount). Leaves nothing behind: directories made
     * for the probe are removed again.
     */
    public static void checkWritable(String option, String root, Configuration conf) {
        Path path;
        FileSystem fs;
        try {
            path = new Path(root);
            fs = path.getFileSystem(conf);
            path = fs.makeQualified(path);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(option + ": '" + root + "' is not a valid path or URI; expected a local path or a"
                    + " Hadoop URI such as hdfs://host/dir");
        } catch (IOException e) {
            String scheme = new Path(root).toUri().getScheme();
            throw new ConfigException(option + ": '" + root + "' has no file system for scheme '" + scheme
                    + "'; expected a local path or a URI of a file system on the classpath (file, hdfs, s3a, ...)");
        }
        List<Path> made = new ArrayList<>();
        try {
            if (fs.exists(path) && fs.getFileStatus(path).isFile()) {
                throw new ConfigException(option + ": '" + root + "' is a file; expected a directory (new or a results root)");
            }
            for (Path p = path; p != null && !fs.exists(p); p = p.getParent()) {
                made.add(p);
            }
            if (!made.isEmpty() && !fs.mkdirs(path)) {
                throw new IOException("mkdirs failed");
            }
            Path probe = new Path(path, "_probe-" + UUID.randomUUID());
            try (FSDataOutputStream out = fs.create(probe, false)) {
                out.write(0);
            }
            fs.delete(probe, false);
        } catch (IOException e) {
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
            throw new ConfigException(option + ": '" + root + "' cannot be written (" + reason
                    + "); expected a writable location");
        } finally {
            for (Path p : made) { // deepest first
                try {
                    fs.delete(p, false);
                } catch (IOException ignored) {
                    // it was never made, or is not empty: nothing of ours is left in it
                }
            }
        }
    }

    public Path root() {
        return root;
    }

    public URI uri() {
        return root.toUri();
    }

    /** The Hadoop configuration this store opens files with (credentials, endpoints). */
    public Configuration conf() {
        return conf;
    }

    public FileSystem fileSystem() {
        return fs;
    }

    public Path file(Table table, String runId) {
        return new Path(new Path(root, table.name()), runId + ".parquet");
    }

    /** Atomically writes (or replaces) one run's rows of {@code table}; a row that breaks the schema writes nothing. */
    public void write(Table table, String runId, List<Row> rows) throws IOException {
        SimpleGroupFactory factory = new SimpleGroupFactory(table.schema());
        List<Group> groups = new ArrayList<>(rows.size());
        for (Row row : rows) { // all rows checked before a byte is written
            groups.add(toGroup(factory.newGroup(), table, row));
        }
        writeStream(table, file(table, runId), sink -> {
            for (Group g : groups) {
                sink.write(g);
            }
        });
    }

    /** Rows fed to a file being written. */
    public interface RowSink {
        void write(Row row) throws IOException;
    }

    /** Feeds rows to a {@link RowSink}. */
    public interface RowSource {
        void feed(RowSink sink) throws IOException;
    }

    /** Atomically writes the rows {@code source} feeds, in that order, to {@code target} (e.g. a compacted part). */
    public void writeRows(Table table, Path target, RowSource source) throws IOException {
        SimpleGroupFactory factory = new SimpleGroupFactory(table.schema());
        writeStream(table, target, groups -> source.feed(row -> groups.write(toGroup(factory.newGroup(), table, row))));
    }

    private interface GroupSource {
        void feed(ParquetWriter<Group> writer) throws IOException;
    }

    private void writeStream(Table table, Path target, GroupSource source) throws IOException {
        publish(target, out -> {
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(out, conf))
                    .withType(table.schema())
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                    .withRowGroupSize(ROW_GROUP_BYTES)
                    .build()) {
                source.feed(writer);
            }
        });
    }

    /** Atomically writes (or replaces) an arbitrary file below the root, e.g. parameters. */
    public void writeBytes(String relative, byte[] bytes) throws IOException {
        publish(new Path(root, relative), out -> {
            try (FSDataOutputStream stream = fs.create(out, true)) {
                stream.write(bytes);
            }
        });
    }

    /** Writes one file's content to the path given. */
    private interface Content {
        void writeTo(Path path) throws IOException;
    }

    /**
     * Makes a file appear whole or not at all. On a file system with atomic rename (local, HDFS)
     * the file is written under a hidden temporary name and renamed into place, replacing any
     * earlier version in one step. On an object store (s3a, gs, abfs, ...) a rename is a copy and
     * a delete, but an object appears whole when its upload completes: the file is written at its
     * final name directly, and a failed upload leaves the earlier version, if any.
     */
    private void publish(Path target, Content content) throws IOException {
        if (objectStore) {
            content.writeTo(target);
            return;
        }
        Path tmp = tempFor(target);
        boolean committed = false;
        try {
            content.writeTo(tmp);
            rename(tmp, target);
            committed = true;
        } finally {
            if (!committed) {
                fs.delete(tmp, false);
            }
        }
    }

    /** Whether results under this root are written directly (an object store) rather than renamed into place. */
    public boolean writesDirectly() {
        return objectStore;
    }

    public byte[] readBytes(String relative) throws IOException {
        Path path = new Path(root, relative);
        try (var in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    public boolean exists(String relative) throws IOException {
        return fs.exists(new Path(root, relative));
    }

    public void delete(String relative) throws IOException {
        fs.delete(new Path(root, relative), true);
    }

    /**
     * Run ids with rows in {@code table}: those of its per-run files and, once compacted, those the
     * compaction manifest holds (for {@code runs}: the committed runs).
     */
    public Set<String> runIds(Table table) throws IOException {
        Set<String> ids = new HashSet<>(Compaction.manifest(this).runs());
        for (FileStatus f : Compaction.list(this, table)) {
            String run = Compaction.runOf(f.getPath());
            if (run != null) {
                ids.add(run);
            }
        }
        return ids;
    }

    /**
     * Reads one run's rows of {@code table} from its per-run file. Files of earlier versions read
     * too: a column they lack is null (new columns are nullable), a column they have that the
     * table no longer does is ignored.
     */
    public List<Row> read(Table table, String runId) throws IOException {
        return readFile(table, file(table, runId));
    }

    /** Reads every row of one Parquet file of {@code table} (a per-run file or a compacted part). */
    public List<Row> readFile(Table table, Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        forEachRow(table, file, rows::add);
        return rows;
    }

    /** Streams the rows of one Parquet file of {@code table}, in file order. */
    public void forEachRow(Table table, Path file, RowSink sink) throws IOException {
        try (ParquetReader<Group> reader = ParquetReader
                .builder(new GroupReadSupport(), file)
                .withConf(conf)
                .build()) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
                sink.write(fromGroup(g, table));
            }
        }
    }

    /**
     * Every committed run's rows of {@code table}, each run once, from a consistent
     * {@link Compaction#snapshot}: for small tables (e.g. {@code runs}) read without Spark.
     */
    public List<Row> readAll(Table table) throws IOException {
        Compaction.Snapshot snap = Compaction.snapshot(this);
        List<Row> rows = new ArrayList<>();
        for (Path f : snap.files(table)) {
            forEachRow(table, f, r -> {
                if (snap.keep(f, (String) r.get("run_id"))) {
                    rows.add(r);
                }
            });
        }
        return rows;
    }

    /** Removes leftover temporary files (from killed writers) below the root; returns how many. */
    public int sweepTemporaries() throws IOException {
        int removed = 0;
        if (!fs.exists(root)) {
            return 0;
        }
        var it = fs.listFiles(root, true);
        List<Path> doomed = new ArrayList<>();
        while (it.hasNext()) {
            Path p = it.next().getPath();
            if (p.getName().startsWith(TMP_PREFIX)) {
                doomed.add(p);
            }
        }
        for (Path p : doomed) {
            removed += fs.delete(p, false) ? 1 : 0;
        }
        return removed;
    }

    /**
     * Checks a Parquet file's frame, cheaply enough for thousands of files: the magic "PAR1" at
     * both ends and a footer length that fits. Throws if the file is truncated or not Parquet.
     */
    public void checkReadable(Path file) throws IOException {
        long length = fs.getFileStatus(file).getLen();
        byte[] head = new byte[4];
        byte[] tail = new byte[8];
        try (var in = fs.open(file)) {
            if (length < 12) {
                throw new IOException(file + " is not a Parquet file: " + length + " bytes");
            }
            in.readFully(0, head);
            in.readFully(length - 8, tail);
        }
        long footer = (tail[0] & 0xffL) | (tail[1] & 0xffL) << 8 | (tail[2] & 0xffL) << 16 | (tail[3] & 0xffL) << 24;
        if (!Arrays.equals(head, MAGIC) || !Arrays.equals(Arrays.copyOfRange(tail, 4, 8), MAGIC)
                || footer <= 0 || footer > length - 12) {
            throw new IOException(file + " is not a Parquet file. Expected magic number at head and tail");
        }
    }

    private static final byte[] MAGIC = "PAR1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Path tempFor(Path target) {
        return new Path(target.getParent(), TMP_PREFIX + target.getName() + "-" + UUID.randomUUID());
    }

    /** Renames {@code tmp} onto {@code target}, replacing it in one step where the file system can. */
    private void rename(Path tmp, Path target) throws IOException {
        if (fs.rename(tmp, target)) { // local: POSIX rename, replaces atomically
            return;
        }
        try { // HDFS refuses to rename onto an existing file; its FileContext replaces atomically
            FileContext.getFileContext(fs.getUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
        } catch (UnsupportedFileSystemException e) { // no FileContext for this file system: replace in two steps
            fs.delete(target, false);
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not move " + tmp + " to " + target);
            }
        }
    }

    private static Group toGroup(Group g, Table table, Row row) {
        if (row.table() != table) {
            throw new IllegalArgumentException("a row of " + row.table().name() + " written to " + table.name());
        }
        List<Column> cols = table.columns();
        for (int i = 0; i < cols.size(); i++) {
            Column c = cols.get(i);
            Object v = row.at(i);
            if (v == null) {
                if (!c.nullable()) {
                    throw new IllegalArgumentException(table.name() + "." + c.name() + " may not be null");
                }
                continue;
            }
            switch (c.type()) {
                case INT32 -> g.append(c.name(), (Integer) v);
                case INT64 -> g.append(c.name(), (Long) v);
                case DOUBLE -> g.append(c.name(), (Double) v);
                case BOOLEAN -> g.append(c.name(), (Boolean) v);
                case STRING -> g.append(c.name(), (String) v);
                case INT32_LIST -> {
                    Group list = g.addGroup(c.name());
                    for (int x : (int[]) v) {
                        list.addGroup("list").append("element", x);
                    }
                }
            }
        }
        return g;
    }

    private static Row fromGroup(Group g, Table table) {
        Row row = table.row();
        for (Column c : table.columns()) {
            if (!g.getType().containsField(c.name()) || g.getFieldRepetitionCount(c.name()) == 0) {
                continue;
            }
            row.set(c.name(), switch (c.type()) {
                case INT32 -> g.getInteger(c.name(), 0);
                case INT64 -> g.getLong(c.name(), 0);
                case DOUBLE -> g.getDouble(c.name(), 0);
                case BOOLEAN -> g.getBoolean(c.name(), 0);
                case STRING -> g.getString(c.name(), 0);
                case INT32_LIST -> {
                    Group list = g.getGroup(c.name(), 0);
                    int n = list.getFieldRepetitionCount("list");
                    int[] xs = new int[n];
                    for (int j = 0; j < n; j++) {
                        xs[j] = list.getGroup("list", j).getInteger("element", 0);
                    }
                    yield xs;
                }
            });
        }
        return row;
    }
}
