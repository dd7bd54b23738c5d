package groksweep.results;

import groksweep.config.TrainConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** One row of {@code runs}: a run's options, how it ended, timing and versions. Written last: it commits the run. */
public record RunRecord(
        String runId,
        TrainConfig config,
        RunStatus status,
        StopReason stopReason,
        String message,
        int finalStep,
        Double finalTrainLoss,
        Double finalTrainAcc,
        Double finalTestLoss,
        Double finalTestAcc,
        double wallSeconds,
        double msPerStep,
        int threads,
        int resumedFromStep,
        String host,
        String finishedAt,
        String groksweepVersion,
        String djlVersion,
        String libtorchVersion) {

    public Row toRow() {
        Row r = Tables.RUNS.row().set("run_id", runId);
        config.toMap().forEach((key, value) -> r.set(key, value));
        return r.set("status", status.value())
                .set("stop_reason", stopReason.value())
                .set("message", message)
                .set("final_step", finalStep)
                .set("final_train_loss", finalTrainLoss)
                .set("final_train_acc", finalTrainAcc)
                .set("final_test_loss", finalTestLoss)
                .set("final_test_acc", finalTestAcc)
                .set("wall_seconds", wallSeconds)
                .set("ms_per_step", msPerStep)
                .set("threads", threads)
                .set("resumed_from_step", resumedFromStep)
                .set("host", host)
                .set("finished_at", finishedAt)
                .set("groksweep_version", groksweepVersion)
                .set("djl_version", djlVersion)
                .set("libtorch_version", libtorchVersion);
    }

    /** A record read back; options a run of an earlier version lacks take their neutral default. */
    public static RunRecord fromRow(Row r) {
        Map<String, Object> options = new LinkedHashMap<>();
        for (String key : TrainConfig.keys()) {
            if (r.get(key) != null) {
                options.put(key, r.get(key));
            }
        }
        return new RunRecord(r.getString("run_id"), TrainConfig.defaults().with(options),
                RunStatus.of(r.getString("status")), StopReason.of(r.getString("stop_reason")), r.getString("message"),
                r.getInt("final_step"), r.getDouble("final_train_loss"), r.getDouble("final_train_acc"),
                r.getDouble("final_test_loss"), r.getDouble("final_test_acc"), r.getDouble("wall_seconds"),
                r.getDouble("ms_per_step"), r.getInt("threads"), r.getInt("resumed_from_step"), r.getString("host"),
                r.getString("finished_at"), r.getString("groksweep_version"), r.getString("djl_version"),
                r.getString("libtorch_version"));
    }
}
