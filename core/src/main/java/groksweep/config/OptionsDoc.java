package groksweep.config;

import java.util.Map;

/** The trainer options as a Markdown table, for docs/REFERENCE.md (a test keeps the two in step). */
public final class OptionsDoc {
    private OptionsDoc() {}

    public static String markdown() {
        Map<String, Object> defaults = TrainConfig.defaults().toMap();
        StringBuilder s = new StringBuilder("| option | default | meaning |\n|---|---|---|\n");
        for (String key : TrainConfig.keys()) {
            s.append("| `").append(key).append("` (`--").append(key.replace('_', '-')).append("`) | ")
                    .append(defaults.get(key)).append(" | ").append(TrainConfig.DOCS.get(key)).append(" |\n");
        }
        return s.toString().stripTrailing();
    }
}
