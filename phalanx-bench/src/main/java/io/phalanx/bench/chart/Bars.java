package io.phalanx.bench.chart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One named set of bars of a {@link Charts#barChart bar chart}: a value per category, such as
 * the throughput of each configuration at one offered rate.
 *
 * @param name the set's name in the legend
 * @param bars its bars, in drawing order
 */
public record Bars(String name, List<Bar> bars) {
    /**
     * One bar.
     *
     * @param category the category it stands in, named under the x axis
     * @param value    its height
     */
    public record Bar(String category, double value) {
        /**
         * Checks that the category is present.
         *
         * @param category the category it stands in
         * @param value    its height
         */
        public Bar {
            Objects.requireNonNull(category, "category");
        }
    }

    /**
     * Checks that the name is present and copies the bars.
     *
     * @param name the set's name in the legend
     * @param bars its bars, in drawing order
     */
    public Bars {
        Objects.requireNonNull(name, "name");
        bars = List.copyOf(bars);
    }

    /**
     * One set per distinct value of {@code setColumn}, in order of first appearance, with a bar
     * per row: its category from {@code categoryColumn}, its height from {@code valueColumn}.
     *
     * @param table          the results table
     * @param setColumn      the column whose values name the sets
     * @param categoryColumn the column naming each bar's category
     * @param valueColumn    the numeric column of heights
     * @return the sets, in order of first appearance
     * @throws IllegalArgumentException if a column is missing or a cell is not a number
     */
    public static List<Bars> fromTable(CsvTable table, String setColumn, String categoryColumn, String valueColumn) {
        Map<String, List<Bar>> byName = new LinkedHashMap<>();
        for (int row = 0; row < table.rowCount(); row++) {
            byName.computeIfAbsent(table.get(row, setColumn), k -> new ArrayList<>())
                    .add(new Bar(table.get(row, categoryColumn), table.getDouble(row, valueColumn)));
        }
        List<Bars> out = new ArrayList<>();
        byName.forEach((name, bars) -> out.add(new Bars(name, bars)));
        return out;
    }
}
