package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The token seen from the driver's own disk, from another node's disk at the same path, and from a stale copy. */
class OutputTokenTest {
    @TempDir Path driver;
    @TempDir Path otherNode;

    @Test
    void onlyTheDriversOwnRootShowsTheToken() throws Exception {
        ResultsStore store = new ResultsStore(driver.toString());
        OutputToken token = OutputToken.write(store);
        assertEquals(Optional.empty(), token.check(new ResultsStore(driver.toString()), "1", "node-a"));

        OutputToken.Refusal missing = token.check(new ResultsStore(otherNode.toString()), "2", "node-b").orElseThrow();
        assertEquals(new OutputToken.Refusal("2", "node-b", "it cannot see the file " + token.name()
                + " that the driver wrote there"), missing);

        Files.writeString(otherNode.resolve(token.name()), "an older sweep's token");
        assertEquals("it sees another file at " + token.name(),
                token.check(new ResultsStore(otherNode.toString()), "2", "node-b").orElseThrow().problem());

        assertEquals("output: '/data/out' is not the same location on executor 2 (host node-b) as on the driver (it cannot"
                + " see the file " + token.name() + " that the driver wrote there); executors read and write results"
                + " there themselves, so on a cluster it must be one file system that the driver and every node see:"
                + " HDFS (hdfs://...), S3 (s3a://...), or a network mount at the same path on every node",
                missing.message("output", "/data/out"));

        assertTrue(token.name().startsWith("_"), "hidden from Spark's readers");
        token.remove(store);
        assertFalse(Files.exists(driver.resolve(token.name())));
        assertTrue(token.check(store, "1", "node-a").isPresent(), "a removed token is seen by nobody");
        assertFalse(token.equals(OutputToken.write(store)), "each token is new");
    }
}
