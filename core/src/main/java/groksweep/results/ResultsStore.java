package groksweep.results;

import groksweep.config.ConfigException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A results root on any Hadoop file system (local path, file:, hdfs:, s3a:): one directory per
 * table, one file per run in each ({@link Layout}). Every file appears whole or not at all
 * ({@link Publisher}: a hidden temporary renamed into place, or on an object store an upload that
 * completes), so a reader never sees half a file and a crash leaves no partial one; rows are
 * encoded by {@link ParquetCodec}. A run is committed once its file in {@code runs/} exists,
 * which is written last;
 * rewriting a run replaces its files whole, so a retried task can never leave duplicate rows.
 */
public final class ResultsStore {
    /** The prefix of files being written, hidden from readers ({@link Publisher}). */
    public static final String TMP_PREFIX = Publisher.TMP_PREFIX;

    private final Path root;
    private final FileSystem fs;
    private final Configuration conf;
    private final Publisher publisher;

    public ResultsStore(String root) {
        this(root, new Configuration());
    }

    public ResultsStore(String root, Configuration conf) {
        this.conf = conf;
        try {
            Path path = new Path(root);
            this.fs = path.getFileSystem(conf);
            this.root = fs.makeQualified(path);
            this.publisher = new Publisher(fs, conf, this.root);
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
        return new Path(root, Layout.run(table, runId));
    }

    /** Atomically writes (or replaces) one run's rows of {@code table}; a row that breaks the schema writes nothing. */
    public void write(Table table, String runId, List<Row> rows) throws IOException {
        List<Group> groups = ParquetCodec.encode(table, rows); // all rows checked before a byte is written
        publisher.publish(file(table, runId), out -> ParquetCodec.write(conf, out, table, writer -> {
            for (Group g : groups) {
                writer.write(g);
            }
        }));
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
        publisher.publish(target, out -> ParquetCodec.write(conf, out, table,
                writer -> source.feed(ParquetCodec.encoder(table, writer))));
    }

    /** Atomically writes (or replaces) an arbitrary file below the root, e.g. parameters. */
    public void writeBytes(String relative, byte[] bytes) throws IOException {
        publisher.publish(new Path(root, relative), out -> {
            try (FSDataOutputStream stream = fs.create(out, true)) {
                stream.write(bytes);
            }
        });
    }

    /** Whether results under this root are written directly (an object store) rather than renamed into place. */
    public boolean writesDirectly() {
        return publisher.objectStore;
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
        ParquetCodec.read(conf, file, table, sink);
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
        return publisher.sweepTemporaries(root);
    }

    /** Checks a Parquet file's frame cheaply (magic at both ends, a footer that fits); throws if truncated or not Parquet. */
    public void checkReadable(Path file) throws IOException {
        ParquetCodec.checkFrame(fs, file);
    }
}
