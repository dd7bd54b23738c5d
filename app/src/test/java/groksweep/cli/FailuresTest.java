package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import groksweep.results.OutputToken;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;

/**
 * Each failure a user can act on, as it reaches the driver (wrapped as Spark wraps a task's
 * failure, or only as the text Spark carries from an executor), told in its one line.
 */
class FailuresTest {
    static final String KEPT = "3 of 8 runs are committed and will be kept";
    static final String TRACE = " (full trace: " + Failures.logFile() + ")";

    /** As a job aborted by a failed task reaches the driver: the executor's trace as text, the cause attached in local mode. */
    static Exception fromTask(Throwable cause) {
        return new IllegalStateException("sweep s failed: Job aborted",
                new SparkException("Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times, most recent failure: "
                        + cause, cause));
    }

    @Test
    void eachCauseInOneLine() {
        assertEquals("the disk of the output is full (/data/out): free space (or give --output on a larger disk) and rerun"
                + " the same command; " + KEPT + TRACE,
                Failures.line("sweep", fromTask(new IOException("No space left on device")), "/data/out", KEPT));
        assertEquals("the output became read-only (/data/out): make it writable again and rerun the same command; " + KEPT + TRACE,
                Failures.line("sweep", fromTask(new IOException("/data/out/runs/_tmp/x.parquet: Read-only file system")),
                        "/data/out", KEPT));
        assertEquals("permission to write the output was lost (/data/out): restore write access and rerun the same command; "
                + KEPT + TRACE, Failures.line("sweep", fromTask(new AccessDeniedException("/data/out/runs")), "/data/out", KEPT));
        assertEquals("the output /data/out was deleted or moved while the sweep ran (the file _output-token-1 that the driver"
                + " wrote there is gone): rerun the same command to train again what was lost with it; " + KEPT + TRACE,
                Failures.line("sweep", new OutputToken.Gone("/data/out", "_output-token-1"), "/data/out", KEPT));
        String lost = "an executor ran out of memory or was killed (/data/out): give each executor more memory"
                + " (spark.executor.memory; libtorch's share: spark.executor.memoryOverhead) or fewer task slots, and rerun"
                + " the same command; " + KEPT + TRACE;
        assertEquals(lost, Failures.line("sweep", fromTask(new OutOfMemoryError("Java heap space")), "/data/out", KEPT));
        assertEquals(lost, Failures.line("sweep", new SparkException("Job aborted due to stage failure: Task 3 in stage 0.0"
                + " failed 4 times: ExecutorLostFailure (executor 1 exited caused by one of the running tasks) Reason:"
                + " Command exited with code 137"), "/data/out", KEPT));
    }

    @Test
    void anythingElseNamesItsRootCause() {
        assertEquals("sweep stopped: IllegalArgumentException: bad thing; " + KEPT + TRACE,
                Failures.line("sweep", fromTask(new IllegalArgumentException("bad thing\nsecond line")), "/data/out", KEPT));
    }
}
