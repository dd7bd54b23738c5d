package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

class SchemaDocTest {
    static final String BEGIN = "<!-- schema:begin (generated from Tables; SchemaDocTest checks it) -->";
    static final String END = "<!-- schema:end -->";

    /** The README documents exactly the columns the code writes. */
    @Test
    void readmeSchemaSectionMatchesTheTables() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int from = readme.indexOf(BEGIN);
        int to = readme.indexOf(END);
        assertEquals(SchemaDoc.markdown(), readme.substring(from + BEGIN.length(), to).strip(),
                "regenerate the README section from SchemaDoc.markdown()");
    }
}
