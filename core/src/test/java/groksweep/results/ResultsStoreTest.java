package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

class ResultsStoreTest {
    @TempDir Path dir;

    @Test
    void rowsRoundTripAndRewritesReplaceWhole() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        Object[] row = {"r1", 3, "neurons", 7, 2.5};
        store.write(Tables.SPECTRA, "r1", List.<Object[]>of(row, row));
        store.write(Tables.SPECTRA, "r1", List.<Object[]>of(row)); // a retried task: replaced, not appended
        List<Object[]> back = store.read(Tables.SPECTRA, "r1");
        assertEquals(1, back.size());
        assertArrayEquals(row, back.get(0));
        assertEquals(Set.of("r1"), store.runIds(Tables.SPECTRA));
        try (var files = Files.list(dir.resolve("spectra"))) {
            assertEquals(List.of("r1.parquet"), files.map(p -> p.getFileName().toString()).toList(), "no side files");
        }
    }

    @Test
    void aFailedWriteLeavesNothing() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        Object[] bad = {"r2", null, "embed", 1, 1.0}; // step may not be null
        assertThrows(IllegalArgumentException.class, () -> store.write(Tables.SPECTRA, "r2", List.<Object[]>of(bad)));
        try (var files = Files.list(dir.resolve("spectra"))) {
            assertEquals(List.of(), files.toList());
        }
    }
}
