package io.phalanx.bench.chart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One named line of a {@link Charts#lineChart line chart}: a configuration's throughput against
 * the number of clients, say, or one run's throughput over time.
 */
public record Series(String name, List<Point> points) {
    /** One (x, y) value. */
    public record Point(double x, double y) {
    }

    public Series {
        Objects.requireNonNull(name, "name");
        points = List.copyOf(points);
    }

    /**
     * One series per distinct value of {@code seriesColumn}, in order of first appearance, with
     * points from {@code xColumn} and {@code yColumn}: e.g. {@code ("config", "clients",
     * "requestsPerSecond")} turns a results table into one line per configuration.
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

    /** A single series from two columns of every row. */
    public static Series fromColumns(CsvTable table, String name, String xColumn, String yColumn) {
        List<Point> points = new ArrayList<>();
        for (int row = 0; row < table.rowCount(); row++) {
            points.add(new Point(table.getDouble(row, xColumn), table.getDouble(row, yColumn)));
        }
        return new Series(name, points);
    }
}
