package io.phalanx.bench.chart;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvTableTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsThroughAFileIncludingCellsThatNeedQuotes() throws IOException {
        CsvTable table = new CsvTable("config", "clients", "requestsPerSecond", "note")
                .addRow("n=4 BFT", 10, 8123.5, "plain")
                .addRow("n=4 BFT", 20, 9301.0, "leader killed, then \"recovered\"")
                .addRow("n=7 BFT", 10, 6100.25, "two\nlines")
                .addRow("n=7 BFT", 20, 7000, "");
        Path file = dir.resolve("throughput.csv");

        table.write(file);
        CsvTable read = CsvTable.read(file);

        assertThat(read).isEqualTo(table);
        assertThat(read.header()).containsExactly("config", "clients", "requestsPerSecond", "note");
        assertThat(read.getDouble(1, "requestsPerSecond")).isEqualTo(9301.0);
        assertThat(read.get(1, "note")).isEqualTo("leader killed, then \"recovered\"");
        assertThat(Files.readAllLines(file).get(0)).isEqualTo("config,clients,requestsPerSecond,note");
    }

    @Test
    void readsCrLfLineEndsAndSkipsBlankLines() throws IOException {
        Path file = dir.resolve("crlf.csv");
        Files.writeString(file, "a,b\r\n1,2\r\n\r\n3,\"4\"\r\n");

        CsvTable read = CsvTable.read(file);

        assertThat(read.rows()).containsExactly(List.of("1", "2"), List.of("3", "4"));
    }

    @Test
    void refusesRowsOfTheWrongWidthNamingTheRecord() throws IOException {
        Path file = dir.resolve("ragged.csv");
        Files.writeString(file, "a,b\n1,2\n3\n");

        assertThatThrownBy(() -> CsvTable.read(file)).isInstanceOf(IOException.class).hasMessageContaining("record 3");
        assertThatThrownBy(() -> new CsvTable("a", "b").addRow(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesTheMissingColumn() {
        CsvTable table = new CsvTable("x", "y").addRow(1, 2);

        assertThatThrownBy(() -> table.get(0, "z")).hasMessageContaining("no column 'z'");
    }
}
