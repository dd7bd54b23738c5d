package groksweep.results;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Proof that a results root is one location for the driver and every executor. Executors write
 * each run's files straight to the root, so on a cluster a plain local path names a different
 * disk on every node: each node would keep the runs it trained, and the driver would see none.
 * The driver writes a file of random content under the root ({@link #write}); every task reads it
 * back ({@link #check}) before it writes or reads anything there, and refuses when it cannot see
 * that file or sees another.
 *
 * @param name    the token's file name, directly under the root (hidden from readers: it starts with _)
 * @param content the random content the driver wrote
 */
public record OutputToken(String name, String content) implements Serializable {

    static final String PREFIX = "_output-token-";

    /** Writes a fresh token under the store's root. */
    public static OutputToken write(ResultsStore store) throws IOException {
        OutputToken token = new OutputToken(PREFIX + UUID.randomUUID(), UUID.randomUUID().toString());
        store.writeBytes(token.name, token.content.getBytes(StandardCharsets.UTF_8));
        return token;
    }

    /**
     * What an executor (Spark's id and host for it) saw of a token it could not confirm.
     *
     * @param problem what it saw instead, e.g. "it cannot see the file _output-token-..."
     */
    public record Refusal(String executorId, String host, String problem) implements Serializable {

        /**
         * The one line for the user: the results root (the option {@code field}, as the user gave
         * it), the executor, and what to use instead.
         */
        public String message(String field, String root) {
            return field + ": '" + root + "' is not the same location on executor " + executorId + " (host " + host
                    + ") as on the driver (" + problem + "); executors read and write results there themselves, so on"
                    + " a cluster it must be one file system that the driver and every node see: HDFS (hdfs://...),"
                    + " S3 (s3a://...), or a network mount at the same path on every node";
        }
    }

    /**
     * Checks the token as {@code store} shows it on this node (executor {@code executorId} on
     * {@code host}); empty when it is the driver's.
     */
    public java.util.Optional<Refusal> check(ResultsStore store, String executorId, String host) {
        String problem;
        try {
            String seen = new String(store.readBytes(name), StandardCharsets.UTF_8);
            problem = seen.equals(content) ? null : "it sees another file at " + name;
        } catch (FileNotFoundException e) {
            problem = "it cannot see the file " + name + " that the driver wrote there";
        } catch (IOException | RuntimeException e) {
            problem = "it cannot read the file " + name + " that the driver wrote there ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName()) + ")";
        }
        return java.util.Optional.ofNullable(problem).map(p -> new Refusal(executorId, host, p));
    }

    /**
     * Whether the token is gone from where the driver wrote it: the output was deleted or moved
     * while the sweep ran. False when it is there, or when it cannot be read for another reason.
     */
    public boolean gone(ResultsStore store) {
        try {
            store.readBytes(name);
            return false;
        } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The output was deleted or moved while a sweep ran: the driver's token is gone. */
    public static final class Gone extends IOException {
        public Gone(String root, String token) {
            super("the output " + root + " was deleted or moved while the sweep ran (the file " + token
                    + " that the driver wrote there is gone)");
        }
    }

    /** Removes the token; a token already gone is fine. */
    public void remove(ResultsStore store) throws IOException {
        store.delete(name);
    }
}
