package io.phalanx.bench.chart;

import java.util.Objects;

/**
 * Title, axis labels and pixel size of a chart, kept apart from the data so that every chart of
 * a report can share a look.
 *
 * @param title    the chart's title
 * @param xLabel   the x axis label
 * @param yLabel   the y axis label
 * @param widthPx  PNG width, 100..8000
 * @param heightPx PNG height, 100..8000
 */
public record ChartSpec(String title, String xLabel, String yLabel, int widthPx, int heightPx) {
    /** Limit on each side, so a typo cannot ask for a gigapixel image. */
    public static final int SIDE_PX_MAX = 8000;
    private static final int SIDE_PX_MIN = 100;

    /**
     * Checks that the texts are present and the size is within bounds.
     *
     * @param title    the chart's title
     * @param xLabel   the x axis label
     * @param yLabel   the y axis label
     * @param widthPx  PNG width, 100..8000
     * @param heightPx PNG height, 100..8000
     * @throws IllegalArgumentException if a side is out of bounds
     */
    public ChartSpec {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(xLabel, "xLabel");
        Objects.requireNonNull(yLabel, "yLabel");
        requireSide("widthPx", widthPx);
        requireSide("heightPx", heightPx);
    }

    /**
     * A chart of the default size, 1000 x 600.
     *
     * @param title  the chart's title
     * @param xLabel the x axis label
     * @param yLabel the y axis label
     * @return the spec
     */
    public static ChartSpec of(String title, String xLabel, String yLabel) {
        return new ChartSpec(title, xLabel, yLabel, 1000, 600);
    }

    /**
     * The same chart at another size.
     *
     * @param newWidthPx  PNG width, 100..8000
     * @param newHeightPx PNG height, 100..8000
     * @return the resized spec
     */
    public ChartSpec withSize(int newWidthPx, int newHeightPx) {
        return new ChartSpec(title, xLabel, yLabel, newWidthPx, newHeightPx);
    }

    private static void requireSide(String key, int px) {
        if (px < SIDE_PX_MIN || px > SIDE_PX_MAX) {
            throw new IllegalArgumentException(key + " must be within " + SIDE_PX_MIN + ".." + SIDE_PX_MAX + ", got " + px);
        }
    }
}
