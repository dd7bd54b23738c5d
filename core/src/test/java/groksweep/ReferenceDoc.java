package groksweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The generated sections of docs/REFERENCE.md: the text between {@code <!-- NAME:begin ... -->} and {@code <!-- NAME:end -->}. */
public final class ReferenceDoc {
    private ReferenceDoc() {}

    public static String section(String name) throws IOException {
        String readme = Files.readString(Path.of("..", "docs", "REFERENCE.md"));
        int begin = readme.indexOf("<!-- " + name + ":begin");
        int from = readme.indexOf("-->", begin) + "-->".length();
        int to = readme.indexOf("<!-- " + name + ":end -->");
        if (begin < 0 || to < from) {
            throw new IllegalStateException("docs/REFERENCE.md has no generated section " + name);
        }
        return readme.substring(from, to).strip();
    }
}
