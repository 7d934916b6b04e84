package io.phalanx.bench.chart;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;

/**
 * PNG charts for benchmark reports, drawn with JFreeChart without a display: line charts
 * (throughput against clients, one line per configuration; or throughput over time with
 * labelled event markers), bar charts (a value per configuration) and latency CDFs from
 * HdrHistogram recordings.
 *
 * <p>Every method makes AWT headless first unless the caller chose otherwise (the property must
 * be set before AWT starts, which is why it is not left to the caller to remember).
 */
public final class Charts {
    /** Percentile steps per halving of the distance to 100%: enough for a smooth tail. */
    private static final int CDF_TICKS_PER_HALF_DISTANCE = 5;
    private static final int MARKER_LABEL_ROW_PX = 16;

    private Charts() {
    }

    /**
     * Draws {@code series} as lines, with a vertical labelled line for each marker, into
     * {@code png}.
     *
     * @param png     the PNG file to write, replaced if it exists
     * @param spec    title, axis labels and size
     * @param series  the lines
     * @param markers the events to mark; the x axis widens to show each
     * @throws IOException if the file cannot be written
     */
    public static void lineChart(Path png, ChartSpec spec, List<Series> series, List<EventMarker> markers)
            throws IOException {
        useHeadlessAwt();
        XYSeriesCollection dataset = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries line = new XYSeries(s.name(), false, true);
            for (Series.Point p : s.points()) {
                line.add(p.x(), p.y());
            }
            dataset.addSeries(line);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(spec.title(), spec.xLabel(), spec.yLabel(), dataset,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        styleLines(plot, series.size());
        for (int i = 0; i < markers.size(); i++) {
            plot.addDomainMarker(eventLine(markers.get(i), i));
        }
        showMarkers(plot, markers);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, spec.widthPx(), spec.heightPx());
    }

    /**
     * Draws {@code sets} as grouped bars, one group per category (in order of first appearance),
     * one bar per set in each, into {@code png}. Category names under the axis are slanted, so
     * long configuration names stay readable.
     *
     * @param png  the PNG file to write, replaced if it exists
     * @param spec title, axis labels and size
     * @param sets the bars, one colour per set
     * @throws IOException if the file cannot be written
     */
    public static void barChart(Path png, ChartSpec spec, List<Bars> sets) throws IOException {
        useHeadlessAwt();
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        for (Bars set : sets) {
            for (Bars.Bar bar : set.bars()) {
                dataset.addValue(bar.value(), set.name(), bar.category());
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(spec.title(), spec.xLabel(), spec.yLabel(), dataset,
                PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        plot.getDomainAxis().setMaximumCategoryLabelLines(2);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setMaximumBarWidth(0.1); // a lone category would otherwise span the whole chart
        ChartUtils.saveChartAsPNG(png.toFile(), chart, spec.widthPx(), spec.heightPx());
    }

    /** Widens the x axis where a marker lies beyond the data, which would otherwise hide it. */
    private static void showMarkers(XYPlot plot, List<EventMarker> markers) {
        if (markers.isEmpty()) {
            return;
        }
        org.jfree.data.Range range = plot.getDomainAxis().getRange();
        double lower = range.getLowerBound();
        double upper = range.getUpperBound();
        for (EventMarker m : markers) {
            lower = Math.min(lower, m.x());
            upper = Math.max(upper, m.x());
        }
        if (lower < range.getLowerBound() || upper > range.getUpperBound()) {
            // Room on the right for the label, which is drawn to the right of its line.
            double width = upper - lower;
            plot.getDomainAxis().setRange(lower - width * 0.02, upper + width * 0.1);
        }
    }

    /**
     * Draws the cumulative distribution of each histogram (x: recorded value on a log scale,
     * y: fraction of samples at or below it) into {@code png}. A histogram's tag
     * ({@link AbstractHistogram#setTag}) names its line; untagged ones are numbered. Empty
     * histograms are skipped, and values of 0 (which a log axis cannot show) are drawn at 1.
     *
     * @param png        the PNG file to write, replaced if it exists
     * @param spec       title, axis labels and size
     * @param histograms the recordings, one line each
     * @throws IOException if the file cannot be written
     */
    public static void latencyCdf(Path png, ChartSpec spec, AbstractHistogram... histograms) throws IOException {
        useHeadlessAwt();
        XYSeriesCollection dataset = new XYSeriesCollection();
        for (int i = 0; i < histograms.length; i++) {
            AbstractHistogram h = histograms[i];
            if (h.getTotalCount() == 0) {
                continue;
            }
            String name = h.getTag() != null ? h.getTag() : "series " + (i + 1);
            dataset.addSeries(cdfOf(name, h));
        }
        JFreeChart chart = ChartFactory.createXYLineChart(spec.title(), spec.xLabel(), spec.yLabel(), dataset,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis x = new LogAxis(spec.xLabel());
        x.setBase(10);
        x.setSmallestValue(1);
        // One labelled tick per decade, written as plain numbers (100, 1,000) rather than 10^2.
        x.setTickUnit(new NumberTickUnit(1.0));
        x.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
        x.setMinorTickMarksVisible(true);
        x.setMinorTickCount(9);
        plot.setDomainAxis(x);
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setRange(0, 1.0);
        styleLines(plot, dataset.getSeriesCount());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, spec.widthPx(), spec.heightPx());
    }

    private static XYSeries cdfOf(String name, AbstractHistogram h) {
        // Not auto-sorted, duplicates allowed: percentile iteration already yields ascending values.
        XYSeries cdf = new XYSeries(name, false, true);
        for (HistogramIterationValue v : h.percentiles(CDF_TICKS_PER_HALF_DISTANCE)) {
            double value = Math.max(1, h.highestEquivalentValue(v.getValueIteratedTo()));
            cdf.add(value, v.getPercentileLevelIteratedTo() / 100.0);
        }
        return cdf;
    }

    /** A dashed vertical line; labels step down in three rows so that close events stay readable. */
    private static ValueMarker eventLine(EventMarker m, int index) {
        ValueMarker marker = new ValueMarker(m.x(), Color.DARK_GRAY, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        marker.setLabel(m.label());
        marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        marker.setLabelOffset(new RectangleInsets(4 + MARKER_LABEL_ROW_PX * (index % 3), 4, 4, 4));
        marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 220));
        return marker;
    }

    private static void styleLines(XYPlot plot, int seriesCount) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        for (int i = 0; i < seriesCount; i++) {
            plot.getRenderer().setSeriesStroke(i, new BasicStroke(2f));
        }
    }

    private static void useHeadlessAwt() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }
}
