package io.phalanx.bench.chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A small table with a header, written and read as CSV (RFC 4180 quoting: fields holding a
 * comma, a quote or a line break are quoted, quotes doubled). Benchmarks write their raw numbers
 * here so a chart can be redrawn, or a run compared with another, without running again.
 * Cells are strings; numeric accessors parse on demand. Not thread-safe.
 */
public final class CsvTable {
    /** Largest CSV file {@link #read} accepts; benchmark tables are far smaller. */
    public static final long FILE_BYTES_MAX = 64L << 20;

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    /**
     * An empty table with these columns.
     *
     * @param header the column names, at least one, no repeats
     * @throws IllegalArgumentException if the header is empty or repeats a name
     */
    public CsvTable(List<String> header) {
        this.header = List.copyOf(header);
        if (this.header.isEmpty()) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        if (this.header.stream().distinct().count() != this.header.size()) {
            throw new IllegalArgumentException("duplicate column in header " + this.header);
        }
    }

    /**
     * An empty table with these columns.
     *
     * @param header the column names, at least one, no repeats
     * @throws IllegalArgumentException if the header is empty or repeats a name
     */
    public CsvTable(String... header) {
        this(List.of(header));
    }

    /**
     * Appends a row; values are turned into text with {@link String#valueOf(Object)}.
     *
     * @param values one value per column
     * @return this table
     * @throws IllegalArgumentException if the number of values is not the number of columns
     */
    public CsvTable addRow(Object... values) {
        List<String> row = new ArrayList<>(values.length);
        for (Object value : values) {
            row.add(String.valueOf(value));
        }
        return addRow(row);
    }

    /**
     * Appends a row of exactly one cell per column.
     *
     * @param cells the row's cells
     * @return this table
     * @throws IllegalArgumentException if the number of cells is not the number of columns
     */
    public CsvTable addRow(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, header has " + header.size()
                    + " columns " + header);
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    /**
     * The column names.
     *
     * @return the header, in column order
     */
    public List<String> header() {
        return header;
    }

    /**
     * The rows so far.
     *
     * @return a copy of the rows, each a list of cells in column order
     */
    public List<List<String>> rows() {
        return List.copyOf(rows);
    }

    /**
     * The number of rows, the header not counted.
     *
     * @return how many rows there are
     */
    public int rowCount() {
        return rows.size();
    }

    /**
     * Index of {@code column}; fails naming the columns that exist.
     *
     * @param column the column name
     * @return its position in the header, from 0
     * @throws IllegalArgumentException if there is no such column
     */
    public int columnIndex(String column) {
        int index = header.indexOf(column);
        if (index < 0) {
            throw new IllegalArgumentException("no column '" + column + "' in " + header);
        }
        return index;
    }

    /**
     * One cell.
     *
     * @param row    the row, from 0
     * @param column the column name
     * @return the cell's text
     * @throws IllegalArgumentException if there is no such column
     */
    public String get(int row, String column) {
        return rows.get(row).get(columnIndex(column));
    }

    /**
     * One cell, parsed as a number.
     *
     * @param row    the row, from 0
     * @param column the column name
     * @return the cell's value
     * @throws IllegalArgumentException if there is no such column or the cell is not a number
     */
    public double getDouble(int row, String column) {
        String cell = get(row, column);
        try {
            return Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("row " + row + " column '" + column + "' is not a number: '" + cell + "'", e);
        }
    }

    /**
     * Writes the table as UTF-8 CSV with {@code \n} line ends, replacing {@code file}.
     *
     * @param file where to write
     * @throws IOException if the file cannot be written
     */
    public void write(Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        appendLine(out, header);
        for (List<String> row : rows) {
            appendLine(out, row);
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    /**
     * Reads a table written by {@link #write} (or any CSV with a header and equally long rows).
     *
     * @param file the CSV file, at most {@link #FILE_BYTES_MAX} bytes
     * @return the table
     * @throws IOException if the file cannot be read, is too large, is not valid CSV, or has no
     *                     header or rows of another length
     */
    public static CsvTable read(Path file) throws IOException {
        if (Files.size(file) > FILE_BYTES_MAX) {
            throw new IOException(file + " is larger than " + FILE_BYTES_MAX + " bytes");
        }
        List<List<String>> records;
        try {
            records = CsvParser.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (records.isEmpty()) {
            throw new IOException(file + " has no header line");
        }
        CsvTable table = new CsvTable(records.get(0));
        for (int i = 1; i < records.size(); i++) {
            try {
                table.addRow(records.get(i));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " record " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return table;
    }

    private static void appendLine(StringBuilder out, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(quote(cells.get(i)));
        }
        out.append('\n');
    }

    private static String quote(String cell) {
        boolean needsQuotes = cell.indexOf(',') >= 0 || cell.indexOf('"') >= 0 || cell.indexOf('\n') >= 0
                || cell.indexOf('\r') >= 0;
        return needsQuotes ? '"' + cell.replace("\"", "\"\"") + '"' : cell;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CsvTable that && header.equals(that.header) && rows.equals(that.rows);
    }

    @Override
    public int hashCode() {
        return Objects.hash(header, rows);
    }

    @Override
    public String toString() {
        return "CsvTable" + header + " with " + rows.size() + " rows";
    }
}
