package groksweep.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import groksweep.ReferenceDoc;

import org.junit.jupiter.api.Test;

import java.util.Set;

class OptionsDocTest {
    @Test
    void everyOptionHasDocumentation() {
        assertEquals(Set.copyOf(TrainConfig.keys()), TrainConfig.DOCS.keySet());
        TrainConfig.DOCS.forEach((key, doc) -> assertEquals(true, doc.length() > 10, key + ": " + doc));
    }

    /** The option table of docs/REFERENCE.md lists exactly the options, defaults and meanings of the code. */
    @Test
    void readmeOptionTableMatchesTheCode() throws Exception {
        assertEquals(OptionsDoc.markdown(), ReferenceDoc.section("options"), "regenerate the docs/REFERENCE.md section from OptionsDoc.markdown()");
    }
}
