package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groksweep.config.TrainConfig;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Results written by groksweep 0.1.0 (src/test/resources/results-v0.1.0, written by that version's
 * own sweep and train commands) stay readable: the schema only grows, by nullable columns, and a
 * column keeps its place relative to the others, so swapping two columns in {@link Tables} fails here.
 */
class SchemaCompatibilityTest {
    static final String FIXTURE = "src/test/resources/results-v0.1.0";
    static final String GROKKED_RUN = "51396145c7d32511"; // p = 23, fraction 0.8, seed 0: grokked at 900

    @Test
    void theSchemaOnlyGrowsByNullableColumnsInOrder() throws Exception {
        ResultsStore store = new ResultsStore(FIXTURE);
        List<String> checked = new ArrayList<>();
        for (Table table : Tables.ALL) {
            if (!store.fileSystem().exists(store.file(table, GROKKED_RUN))) {
                continue; // a table added since 0.1.0 (irreps): no old files to stay readable
            }
            checked.add(table.name());
            MessageType old;
            try (var reader = ParquetFileReader.open(HadoopInputFile.fromPath(store.file(table, GROKKED_RUN),
                    new Configuration()))) {
                old = reader.getFooter().getFileMetaData().getSchema();
            }
            List<String> kept = new ArrayList<>();
            for (var field : old.getFields()) {
                String name = field.getName();
                if (Tables.RETIRED.getOrDefault(table.name(), List.of()).contains(name)) {
                    continue;
                }
                Column now = table.columns().get(table.indexOf(name)); // throws: a column vanished unlisted
                assertEquals(new Table(table.name(), "", List.of(now)).schema().getType(0).toString(),
                        field.toString(), table.name() + "." + name + " keeps its type");
                kept.add(name);
            }
            List<String> inTablesOrder = table.columns().stream().map(Column::name).filter(kept::contains).toList();
            assertEquals(kept, inTablesOrder, table.name() + ": columns keep their relative order");
            for (Column c : table.columns()) {
                assertTrue(kept.contains(c.name()) || c.nullable(), table.name() + "." + c.name()
                        + " is new since 0.1.0, so it must be nullable");
            }
        }
        assertEquals(List.of("runs", "metrics", "spectra"), checked, "0.1.0's tables are all still read");
    }

    @Test
    void runsOfTheEarlierVersionReadAsRecords() throws Exception {
        ResultsStore store = new ResultsStore(FIXTURE);
        assertEquals(6, store.runIds(Tables.RUNS).size());
        RunRecord r = RunRecord.fromRow(store.read(Tables.RUNS, GROKKED_RUN).get(0));
        assertEquals(GROKKED_RUN, r.runId());
        assertEquals(GROKKED_RUN, r.config().runId(), "the id recomputes from the options read back");
        assertEquals(TrainConfig.defaults().with(Map.of("modulus", 23, "train_fraction", 0.8, "steps", 5000,
                "eval_every", 50, "analysis_every", 500, "stop_after_grok", 200)), r.config());
        assertEquals(RunStatus.OK, r.status());
        assertEquals(StopReason.GROKKED, r.stopReason());
        assertEquals(1100, r.finalStep());
        assertEquals(1.0, r.finalTestAcc());
        assertEquals("0.1.0", r.groksweepVersion());
        RunRecord diverged = RunRecord.fromRow(store.read(Tables.RUNS, "fdfd18916982e49f").get(0));
        assertEquals(RunStatus.DIVERGED, diverged.status());
        assertEquals("train loss NaN at step 2", diverged.message());
        assertEquals(RunStatus.TIMEOUT, RunRecord.fromRow(store.read(Tables.RUNS, "94f7a6799bc724fa").get(0)).status());
        List<Row> metrics = store.read(Tables.METRICS, GROKKED_RUN);
        assertEquals(23, metrics.size(), "steps 0, 50, ..., 1100");
        assertNull(metrics.get(1).getInts("key_freqs"), "no measures at step 50");
        assertEquals(metrics.get(metrics.size() - 1).getInts("key_freqs").length,
                metrics.get(metrics.size() - 1).getInt("n_key_freqs"));
    }
}
