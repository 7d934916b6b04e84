package io.phalanx.bench.chart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One named line of a {@link Charts#lineChart line chart}: a configuration's throughput against
 * the number of clients, say, or one run's throughput over time.
 *
 * @param name   the line's name in the legend
 * @param points its points, in drawing order
 */
public record Series(String name, List<Point> points) {
    /**
     * One (x, y) value.
     *
     * @param x the x value
     * @param y the y value
     */
    public record Point(double x, double y) {
    }

    /**
     * Checks that the name is present and copies the points.
     *
     * @param name   the line's name in the legend
     * @param points its points, in drawing order
     */
    public Series {
        Objects.requireNonNull(name, "name");
        points = List.copyOf(points);
    }

    /**
     * One series per distinct value of {@code seriesColumn}, in order of first appearance, with
     * points from {@code xColumn} and {@code yColumn}: e.g. {@code ("config", "clients",
     * "requestsPerSecond")} turns a results table into one line per configuration.
     *
     * @param table        the results table
     * @param seriesColumn the column whose values name the series
     * @param xColumn      the numeric column of x values
     * @param yColumn      the numeric column of y values
     * @return the series, in order of first appearance
     * @throws IllegalArgumentException if a column is missing or a cell is not a number
     */
    public static List<Series> fromTable(CsvTable table, String seriesColumn, String xColumn, String yColumn) {
        Map<String, List<Point>> byName = new LinkedHashMap<>();
        for (int row = 0; row < table.rowCount(); row++) {
            byName.computeIfAbsent(table.get(row, seriesColumn), k -> new ArrayList<>())
                    .add(new Point(table.getDouble(row, xColumn), table.getDouble(row, yColumn)));
        }
        List<Series> out = new ArrayList<>();
        byName.forEach((name, points) -> out.add(new Series(name, points)));
        return out;
    }

    /**
     * A single series from two columns of every row.
     *
     * @param table   the results table
     * @param name    the series' name
     * @param xColumn the numeric column of x values
     * @param yColumn the numeric column of y values
     * @return the series, one point per row
     * @throws IllegalArgumentException if a column is missing or a cell is not a number
     */
    public static Series fromColumns(CsvTable table, String name, String xColumn, String yColumn) {
        List<Point> points = new ArrayList<>();
        for (int row = 0; row < table.rowCount(); row++) {
            points.add(new Point(table.getDouble(row, xColumn), table.getDouble(row, yColumn)));
        }
        return new Series(name, points);
    }
}
