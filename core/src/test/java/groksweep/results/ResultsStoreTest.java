package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        Row row = Tables.SPECTRA.row().set("run_id", "r1").set("step", 3).set("source", "neurons").set("k", 7)
                .set("value", 2.5);
        store.write(Tables.SPECTRA, "r1", List.of(row, row));
        store.write(Tables.SPECTRA, "r1", List.of(row)); // a retried task: replaced, not appended
        List<Row> back = store.read(Tables.SPECTRA, "r1");
        assertEquals(1, back.size());
        assertEquals(row, back.get(0));
        assertEquals(7, back.get(0).getInt("k"));
        assertEquals(2.5, back.get(0).getDouble("value"));
        assertEquals(Set.of("r1"), store.runIds(Tables.SPECTRA));
        try (var files = Files.list(dir.resolve("spectra"))) {
            assertEquals(List.of("r1.parquet"), files.map(p -> p.getFileName().toString()).toList(), "no side files");
        }
    }

    @Test
    void aFailedWriteLeavesNothing() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        Row bad = Tables.SPECTRA.row().set("run_id", "r2").set("source", "embed").set("k", 1).set("value", 1.0);
        assertThrows(IllegalArgumentException.class, () -> store.write(Tables.SPECTRA, "r2", List.of(bad)),
                "step may not be null");
        assertFalse(Files.exists(dir.resolve("spectra")), "every row is checked before anything is written");
    }
}
