package groksweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The README's generated sections: the text between {@code <!-- NAME:begin ... -->} and {@code <!-- NAME:end -->}. */
public final class Readme {
    private Readme() {}

    public static String section(String name) throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int begin = readme.indexOf("<!-- " + name + ":begin");
        int from = readme.indexOf("-->", begin) + "-->".length();
        int to = readme.indexOf("<!-- " + name + ":end -->");
        if (begin < 0 || to < from) {
            throw new IllegalStateException("README has no generated section " + name);
        }
        return readme.substring(from, to).strip();
    }
}
