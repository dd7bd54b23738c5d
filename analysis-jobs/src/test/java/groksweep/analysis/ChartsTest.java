package groksweep.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYLineAnnotation;
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

    /** A search's boundary is drawn across its row of cells, between the cells of the values that bracket it. */
    @Test
    void thePhaseDiagramDrawsEachBoundaryBetweenTheCellsThatBracketIt() {
        StructType cell = new StructType().add("train_fraction", DataTypes.DoubleType).add("weight_decay", DataTypes.DoubleType)
                .add("majority_phase", DataTypes.StringType).add("median_grokked_step", DataTypes.DoubleType);
        List<Row> cells = new java.util.ArrayList<>();
        for (double f : new double[] {0.3, 0.4, 0.5}) {
            for (double wd : new double[] {1.0, 3.0}) {
                cells.add(new GenericRowWithSchema(new Object[] {f, wd, f < 0.45 ? "memorisation" : "grokking", null}, cell));
            }
        }
        StructType bound = new StructType().add("axis", DataTypes.StringType).add("search", DataTypes.StringType)
                .add("lower", DataTypes.DoubleType).add("upper", DataTypes.DoubleType);
        List<Row> boundaries = List.of(
                new GenericRowWithSchema(new Object[] {"train_fraction", "seed=0, weight_decay=3.0", 0.4, 0.45}, bound),
                new GenericRowWithSchema(new Object[] {"lr", "seed=0, weight_decay=3.0", 0.001, 0.002}, bound));
        JFreeChart chart = Charts.phaseDiagram(cells, List.of("train_fraction", "weight_decay"), "t", boundaries);
        List<XYLineAnnotation> bars = chart.getXYPlot().getAnnotations().stream()
                .filter(a -> a instanceof XYLineAnnotation).map(a -> (XYLineAnnotation) a).toList();
        assertEquals(1, bars.size(), "the boundary on an axis the diagram does not show is left out");
        assertEquals(1.25, bars.get(0).getX1(), 1e-12, "0.425 is a quarter of the way from 0.4 (cell 1) to 0.5 (cell 2)");
        assertEquals(1.25, bars.get(0).getX2(), 1e-12);
        assertEquals(0.6, bars.get(0).getY1(), 1e-12, "across the row of weight decay 3.0 (row 1)");
        assertEquals(1.4, bars.get(0).getY2(), 1e-12);
    }

    /** A two-axis search's leaf cells are boxes of their own extent, in the legend once per outcome. */
    @Test
    void searchedCellsAreBoxesOfTheirOwnSize() {
        StructType t = new StructType().add("x_axis", DataTypes.StringType).add("y_axis", DataTypes.StringType)
                .add("outcome", DataTypes.StringType).add("x_lower", DataTypes.DoubleType).add("x_upper", DataTypes.DoubleType)
                .add("y_lower", DataTypes.DoubleType).add("y_upper", DataTypes.DoubleType).add("cell", DataTypes.StringType);
        List<Row> cells = List.of(
                new GenericRowWithSchema(new Object[] {"weight_decay", "train_fraction", "phase", 0.0, 2.0, 0.2, 0.6, "grokking"}, t),
                new GenericRowWithSchema(new Object[] {"weight_decay", "train_fraction", "phase", 2.0, 2.25, 0.2, 0.25, "mixed"}, t),
                new GenericRowWithSchema(new Object[] {"weight_decay", "train_fraction", "phase", 2.0, 3.0, 0.6, 0.8, "grokking"}, t));
        XYPlot plot = Charts.searchedCells(cells, "t").getXYPlot();
        List<org.jfree.chart.annotations.XYBoxAnnotation> boxes = plot.getAnnotations().stream()
                .map(a -> (org.jfree.chart.annotations.XYBoxAnnotation) a).toList();
        assertEquals(3, boxes.size());
        assertEquals(2.0, boxes.get(1).getX0(), 1e-12);
        assertEquals(2.25, boxes.get(1).getX1(), 1e-12, "the small cell keeps its extent");
        assertEquals(0.25, boxes.get(1).getY1(), 1e-12);
        assertEquals(2, plot.getDataset().getSeriesCount(), "grokking and mixed, once each in the legend");
        assertEquals(0.0, plot.getDomainAxis().getLowerBound(), 1e-12);
        assertEquals(0.8, plot.getRangeAxis().getUpperBound(), 1e-12);
    }
}
