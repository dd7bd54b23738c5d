package groksweep.worker;

import ai.djl.ndarray.NDManager;
import groksweep.config.TrainConfig;
import groksweep.results.Layout;
import groksweep.results.ResultsStore;
import groksweep.results.Row;
import groksweep.results.Table;
import groksweep.results.Tables;
import groksweep.train.MetricRow;
import groksweep.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A run's checkpoint under {@code RESULTS/checkpoints/}: its metric and progress-measure rows so far, then
 * the parameters and optimizer state ({@code <run_id>.npz}), written last, so a checkpoint exists
 * only once whole. A run killed mid-way resumes from it and ends exactly as if never stopped.
 */
final class Checkpoints {
    private final ResultsStore store;
    private final String runId;

    Checkpoints(ResultsStore store, String runId) {
        this.store = store;
        this.runId = runId;
    }

    /** A restored checkpoint: model and optimizer, and the rows measured before it. */
    record Saved(Trainer.Resumed resumed, List<Row> metricRows, Map<Table, List<Row>> measureRows) {
        /** The metric rows as the trainer needs them to replay onsets. */
        List<MetricRow> metrics() {
            return metricRows.stream().map(MetricRow::fromRow).toList();
        }
    }

    private String npz() {
        return Layout.checkpoint(runId);
    }

    private ResultsStore rows() {
        return new ResultsStore(store.root() + "/" + Layout.CHECKPOINTS, store.conf());
    }

    Saved load(TrainConfig c, NDManager manager) throws IOException {
        if (!store.exists(npz())) {
            return null;
        }
        Trainer.Resumed resumed = ParamsFile.restore(c, store.readBytes(npz()), manager);
        int updates = resumed.optimizer().updatesDone();
        List<Row> metrics = new ArrayList<>(rows().read(Tables.METRICS, runId));
        metrics.removeIf(r -> r.getInt("step") >= updates); // rows written after the parameters were saved
        Map<Table, List<Row>> measures = new LinkedHashMap<>();
        for (Table t : Tables.MEASURES) {
            List<Row> rows = new ArrayList<>(rows().read(t, runId));
            rows.removeIf(r -> r.getInt("step") >= updates);
            measures.put(t, rows);
        }
        return new Saved(resumed, metrics, measures);
    }

    /** Each of {@link Tables#MEASURES}'s rows so far: a resumed checkpoint's, or none. */
    static Map<Table, List<Row>> measureRows(Saved saved) {
        Map<Table, List<Row>> rows = new LinkedHashMap<>();
        for (Table t : Tables.MEASURES) {
            rows.put(t, new ArrayList<>(saved == null ? List.of() : saved.measureRows().get(t)));
        }
        return rows;
    }

    /** Adds the progress measures of {@code row}, if it has them, to each table's rows. */
    static void addMeasures(Map<Table, List<Row>> rows, MetricRow row, String runId) {
        if (row.measures() != null) {
            rows.forEach((t, list) -> list.addAll(row.measures().rows(t, runId, row.step())));
        }
    }

    /**
     * Wraps {@code inner}: every {@code every} updates, saves the rows so far (those of a resumed
     * checkpoint first) and the state.
     */
    Trainer.Listener saving(int every, Trainer.Listener inner, Saved resumedFrom) {
        if (every <= 0) {
            return inner;
        }
        List<Row> metrics = new ArrayList<>(resumedFrom == null ? List.of() : resumedFrom.metricRows());
        Map<Table, List<Row>> measures = measureRows(resumedFrom);
        return new Trainer.Listener() {
            @Override
            public void onMetrics(MetricRow row) {
                metrics.add(row.toRow(runId));
                addMeasures(measures, row, runId);
                inner.onMetrics(row);
            }

            @Override
            public void onMemorised(int step) {
                inner.onMemorised(step);
            }

            @Override
            public void onGrokked(int step) {
                inner.onGrokked(step);
            }

            @Override
            public void afterUpdate(int step, Supplier<Trainer.Resumed> state) {
                inner.afterUpdate(step, state);
                if (step % every != 0) {
                    return;
                }
                try {
                    rows().write(Tables.METRICS, runId, metrics);
                    for (Table t : Tables.MEASURES) {
                        rows().write(t, runId, measures.get(t));
                    }
                    Trainer.Resumed now = state.get();
                    store.writeBytes(npz(), ParamsFile.checkpoint(now.model(), now.optimizer()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write checkpoint of run " + runId, e);
                }
            }
        };
    }

    void delete() throws IOException {
        store.delete(npz());
        rows().delete(Layout.run(Tables.METRICS, runId));
        for (Table t : Tables.MEASURES) {
            rows().delete(Layout.run(t, runId));
        }
    }
}
