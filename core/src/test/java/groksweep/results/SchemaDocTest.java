package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import groksweep.Readme;

import org.junit.jupiter.api.Test;

class SchemaDocTest {

    /** The README documents exactly the columns the code writes. */
    @Test
    void readmeSchemaSectionMatchesTheTables() throws Exception {
        assertEquals(SchemaDoc.markdown(), Readme.section("schema"), "regenerate the README section from SchemaDoc.markdown()");
    }
}
