package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;

import groksweep.ReferenceDoc;

import org.junit.jupiter.api.Test;

class SchemaDocTest {

    /** docs/REFERENCE.md documents exactly the columns the code writes. */
    @Test
    void readmeSchemaSectionMatchesTheTables() throws Exception {
        assertEquals(SchemaDoc.markdown(), ReferenceDoc.section("schema"), "regenerate the docs/REFERENCE.md section from SchemaDoc.markdown()");
    }
}
