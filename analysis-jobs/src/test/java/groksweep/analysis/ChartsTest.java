package groksweep.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.junit.jupiter.api.Test;

import java.util.List;

class ChartsTest {

    /** The LLC panel has a point per finite estimate (a diverged one, NaN, is left out); the losses one per row. */
    @Test
    void theLlcChartLeavesOutDivergedEstimates() {
        JFreeChart chart = Charts.llc(new Charts.RunOnsets("r", 100, 1000), List.of(
                new Charts.LlcPoint(0, 47, 4.1, 4.2), new Charts.LlcPoint(200, 1175, 0.007, 6.4),
                new Charts.LlcPoint(1000, Double.NaN, 1e-7, 0.02), new Charts.LlcPoint(3000, 64, 1e-7, 1e-5)));
        List<?> panels = ((CombinedDomainXYPlot) chart.getXYPlot()).getSubplots();
        XYPlot llc = (XYPlot) panels.get(0), losses = (XYPlot) panels.get(1);
        assertEquals(3, llc.getDataset().getItemCount(0));
        assertEquals(1175.0, llc.getDataset().getYValue(0, 1));
        assertEquals(4, losses.getDataset().getItemCount(0), "train loss");
        assertEquals(4, losses.getDataset().getItemCount(1), "test loss");
    }
}
