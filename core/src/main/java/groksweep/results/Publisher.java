package groksweep.results;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The commit protocol of every file under a results root: a file appears whole or not at all. On
 * a file system with atomic rename (local, HDFS) it is written under a hidden temporary name and
 * renamed into place, replacing any earlier version in one step. On an object store (s3a, gs,
 * abfs, ...) a rename is a copy and a delete, but an object appears whole when its upload
 * completes: the file is written at its final name directly, and a failed upload leaves the
 * earlier version, if any. Readers (Spark ignores names starting with _ or .) never see half a file.
 */
final class Publisher {

    /** Writes one file's content to the path given. */
    interface Content {
        void writeTo(Path path) throws IOException;
    }

    static final String TMP_PREFIX = "_tmp-";

    /** Schemes of object stores, where a rename is a copy and a delete: files are written in place. */
    static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "gs", "abfs", "abfss", "wasb", "wasbs", "oss");

    private final FileSystem fs;
    private final Configuration conf;
    final boolean objectStore;

    Publisher(FileSystem fs, Configuration conf, Path root) {
        this.fs = fs;
        this.conf = conf;
        this.objectStore = OBJECT_STORES.contains(root.toUri().getScheme());
    }

    /** Makes {@code target} appear whole, with what {@code content} writes, or not at all. */
    void publish(Path target, Content content) throws IOException {
        if (objectStore) {
            write(target, content);
            return;
        }
        Path tmp = new Path(target.getParent(), TMP_PREFIX + target.getName() + "-" + UUID.randomUUID());
        boolean committed = false;
        try {
            write(tmp, content);
            rename(tmp, target);
            committed = true;
        } finally {
            if (!committed) {
                fs.delete(tmp, false);
            }
        }
    }

    /**
     * Writes {@code path}. A failed write (a full disk) is an IOException, however it comes: Hadoop's
     * local file system throws an {@link FSError} (an Error), and Parquet wraps a failed close in a
     * RuntimeException. So a full disk fails the task and is never taken for a failure of the run.
     */
    private static void write(Path path, Content content) throws IOException {
        try {
            content.writeTo(path);
        } catch (FSError | RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IOException io) {
                    throw io;
                }
            }
            throw e;
        }
    }

    /** Removes leftover temporary files (from killed writers) below {@code root}; returns how many. */
    int sweepTemporaries(Path root) throws IOException {
        if (!fs.exists(root)) {
            return 0;
        }
        List<Path> doomed = new ArrayList<>();
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem || fs instanceof org.apache.hadoop.fs.RawLocalFileSystem) {
            // listFiles' statuses carry permissions, which a local file system without Hadoop's native
            // library reads by running `ls` once per file: seconds for a few thousand files
            temporaries(root, doomed);
        } else { // one flat listing on object stores
            var it = fs.listFiles(root, true);
            while (it.hasNext()) {
                Path p = it.next().getPath();
                if (p.getName().startsWith(TMP_PREFIX)) {
                    doomed.add(p);
                }
            }
        }
        int removed = 0;
        for (Path p : doomed) {
            removed += fs.delete(p, false) ? 1 : 0;
        }
        return removed;
    }

    private void temporaries(Path dir, List<Path> found) throws IOException {
        for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dir)) {
            if (f.isDirectory()) {
                temporaries(f.getPath(), found);
            } else if (f.getPath().getName().startsWith(TMP_PREFIX)) {
                found.add(f.getPath());
            }
        }
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
}
