package groksweep.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import groksweep.config.TrainConfig;
import groksweep.results.ResultsStore;
import groksweep.results.RunStatus;
import groksweep.train.MetricRow;
import groksweep.train.Trainer;
import groksweep.worker.Worker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine against the in-repo PyTorch reference, every option family in float64: the cases
 * and their tolerances are bench/reference/replay_check.py's own ({@code --list}); each trains
 * here, in this JVM, from a fresh init it exports, and replay_check.py, started beside it, replays
 * each in the reference as soon as it is written, from the same parameters and split
 * ({@code --ours}), and says which agree. Skipped with
 * one line where no Python with torch is installed.
 */
class ReferenceReplayTest {
    @TempDir
    Path temp;

    @Test
    void everyReplayCaseAgreesWithTheReferenceToItsTolerance() throws Exception {
        Python.assumeTorch();
        // -Dgroksweep.replay.dir=DIR keeps both sides' traces there; -Dgroksweep.replay.case=NAME replays only the cases named so
        Path dir = Path.of(System.getProperty("groksweep.replay.dir", temp.toString()));
        String[] only = System.getProperty("groksweep.replay.case", "").isEmpty() ? new String[0]
                : new String[] {"--case", System.getProperty("groksweep.replay.case")};
        Python.Result list = Python.script("replay_check.py", concat("--list", only));
        assertEquals(0, list.exit(), list.output());
        JsonObject plan = JsonParser.parseString(list.lines("{").get(0)).getAsJsonObject();
        int steps = plan.get("steps").getAsInt();
        Map<String, JsonObject> cases = new LinkedHashMap<>();
        plan.getAsJsonObject("cases").entrySet().forEach(e -> cases.put(e.getKey(), e.getValue().getAsJsonObject()));
        assertTrue(only.length > 0 || cases.size() >= 28, "replay_check.py lists its cases: " + cases.keySet());

        // The reference replays each case as soon as it is trained here: the two sides run side by side.
        Python.Running replaying = Python.start("replay_check.py", concat("--ours", dir.toString(), only));
        for (Map.Entry<String, JsonObject> e : cases.entrySet()) {
            Map<String, Object> options = new LinkedHashMap<>();
            e.getValue().getAsJsonObject("options").entrySet().forEach(o -> options.put(o.getKey(), value(o.getValue())));
            TrainConfig c = TrainConfig.defaults().with(options).with("steps", steps).validate();
            train(c, dir.resolve(e.getValue().get("dir").getAsString()), e.getKey());
        }

        Python.Result replay = replaying.finish();
        System.out.println(replay.output()); // each case's agreement, in the build's log
        List<String> lines = replay.lines("{\"case\"");
        assertEquals(cases.size(), lines.size(), replay.output());
        for (String line : lines) {
            JsonObject r = JsonParser.parseString(line).getAsJsonObject();
            assertTrue(r.get("ok").getAsBoolean(), line);
            assertEquals(steps / 10 + 1, r.get("steps_compared").getAsInt(), line);
        }
        assertEquals(0, replay.exit(), replay.output());
    }

    private static String[] concat(String first, String... rest) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(first), java.util.Arrays.stream(rest)).toArray(String[]::new);
    }

    private static String[] concat(String a, String b, String... rest) {
        return concat(a, concat(b, rest));
    }

    /** A JSON value as a spec's YAML gives it: a number, a flag or a string. */
    private static Object value(JsonElement v) {
        JsonPrimitive p = v.getAsJsonPrimitive();
        return p.isNumber() ? (Object) p.getAsDouble() : p.isBoolean() ? (Object) p.getAsBoolean() : p.getAsString();
    }

    /** Trains one case, exporting its init to {@code out}/init.npz and its trace to ours.txt. */
    private static void train(TrainConfig c, Path out, String name) throws Exception {
        Files.createDirectories(out);
        List<String> trace = new ArrayList<>();
        Trainer.Listener listener = new Trainer.Listener() {
            @Override
            public void onMetrics(MetricRow r) {
                trace.add(r.step() + " " + r.trainLoss() + " " + r.testLoss() + (r.llc() == null ? "" : " " + r.llc().mean()));
            }
        };
        Worker.Outcome o = Worker.run(c, new ResultsStore(out.resolve("out").toString()),
                Worker.options().threads(1).exportInit(out.resolve("init.npz")).build(), listener);
        assertEquals(RunStatus.OK, o.record().status(), name + ": " + o.record().message());
        Files.write(out.resolve("ours.txt.tmp"), trace); // whole, then renamed: the reference waits for it
        Files.move(out.resolve("ours.txt.tmp"), out.resolve("ours.txt"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
