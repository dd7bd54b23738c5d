package groksweep.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A table cut at its bound says so and links the whole CSV; one within it says nothing. */
class HtmlTest {
    @Test
    void aCutTableSaysSoAndLinksTheWholeCsv() {
        SparkSession spark = SharedSpark.get();
        StringBuilder cut = new StringBuilder();
        Html.section(cut, "Grid summary", spark.range(Html.MAX_TABLE_ROWS + 1).toDF(), "analysis/grid_summary.csv");
        assertTrue(cut.toString().startsWith("<h2>Grid summary</h2><p>The first 500 of 501 rows; all of them: "
                + "<a href='analysis/grid_summary.csv'>analysis/grid_summary.csv</a>.</p><table>"), cut.toString().substring(0, 200));
        assertEquals(Html.MAX_TABLE_ROWS + 1, cut.toString().split("<tr>", -1).length - 1, "header and 500 rows");
        StringBuilder whole = new StringBuilder();
        Html.section(whole, "Onsets", spark.range(3).toDF(), "analysis/onsets.csv");
        assertFalse(whole.toString().contains("The first"), whole.toString());
        assertEquals(4, whole.toString().split("<tr>", -1).length - 1, "header and 3 rows");
    }
}
