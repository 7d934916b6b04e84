package io.phalanx.runtime.storage;

import io.phalanx.core.storage.StoredCheckpoints;
import io.phalanx.core.storage.SegmentedLog;
import io.phalanx.core.storage.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FileStorage} on a real temporary directory: what each call leaves on disk, that temp files
 * a crash left are neither listed nor kept, and the log and checkpoints written above it, reopened
 * (with a fresh {@link FileStorage}, as after a restart) after a torn tail was cut.
 */
class FileStorageTest {
    @TempDir
    Path dir;

    @Test
    void appendWritesAtTheEndOfTheFileAndSurvivesReopening() throws Exception {
        FileStorage storage = FileStorage.open(dir);
        try (Storage.AppendFile file = storage.append("a")) {
            assertThat(file.size()).isZero();
            file.write(new byte[] {0, 1, 2, 3, 4}, 1, 3);
            assertThat(file.size()).isEqualTo(3);
            file.sync();
        }
        storage.syncDirectory();
        try (Storage.AppendFile file = FileStorage.open(dir).append("a")) {
            assertThat(file.size()).isEqualTo(3);
            file.write(new byte[] {9}, 0, 1);
        }
        assertThat(Files.readAllBytes(dir.resolve("a"))).containsExactly(1, 2, 3, 9);
        assertThat(FileStorage.open(dir).read("a")).containsExactly(1, 2, 3, 9);
    }

    @Test
    void listIsSortedAndShowsOnlyRegularFilesThatAreNotTemp() throws Exception {
        FileStorage storage = FileStorage.open(dir);
        storage.writeAtomically("b", new byte[] {1});
        storage.append("a").close();
        storage.append("c").close();
        Files.createDirectory(dir.resolve("sub"));
        Files.write(dir.resolve("d.tmp"), new byte[] {1});
        assertThat(storage.list()).containsExactly("a", "b", "c");
    }

    @Test
    void openDeletesTempFilesACrashLeftBehind() throws Exception {
        Files.write(dir.resolve("checkpoint-00000000000000000007.ckpt.tmp"), new byte[] {1, 2});
        Files.write(dir.resolve("x"), new byte[] {3});
        FileStorage storage = FileStorage.open(dir);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("x");
        }
        assertThat(storage.list()).containsExactly("x");
    }

    @Test
    void writeAtomicallyReplacesTheWholeFileAndLeavesNoTemp() throws Exception {
        FileStorage storage = FileStorage.open(dir);
        storage.writeAtomically("f", new byte[] {1, 2, 3, 4});
        storage.writeAtomically("f", new byte[] {5});
        assertThat(storage.read("f")).containsExactly(5);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("f");
        }
    }

    @Test
    void truncateCutsAndDeleteRemoves() throws Exception {
        FileStorage storage = FileStorage.open(dir);
        storage.writeAtomically("f", new byte[] {1, 2, 3, 4});
        storage.truncate("f", 2);
        assertThat(Files.readAllBytes(dir.resolve("f"))).containsExactly(1, 2);
        storage.truncate("f", 10);
        assertThat(storage.read("f")).containsExactly(1, 2);
        storage.delete("f");
        storage.delete("f");
        storage.syncDirectory();
        assertThat(storage.list()).isEmpty();
    }

    @Test
    void missingFilesAndBadNamesAreErrors() throws Exception {
        FileStorage storage = FileStorage.open(dir);
        assertThatThrownBy(() -> storage.read("nope")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> storage.truncate("nope", 0)).isInstanceOf(NoSuchFileException.class);
        assertThat(storage.list()).isEmpty();
        for (String bad : List.of("", ".", "..", "a/b", "..\\b", "x.tmp")) {
            assertThatThrownBy(() -> storage.append(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> storage.writeAtomically(bad, new byte[0])).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void openCreatesAMissingDirectory() throws Exception {
        Path nested = dir.resolve("data").resolve("replica-0");
        FileStorage.open(nested).writeAtomically("f", new byte[] {1});
        assertThat(Files.readAllBytes(nested.resolve("f"))).containsExactly(1);
    }

    @Test
    void theLogReopensAfterATornTailWasCutOnDisk() throws Exception {
        List<byte[]> written = new ArrayList<>();
        try (SegmentedLog log = SegmentedLog.open(FileStorage.open(dir), 256, 1024).log()) {
            for (int i = 0; i < 50; i++) {
                byte[] payload = new byte[i];
                Arrays.fill(payload, (byte) i);
                log.append(payload);
                written.add(payload);
            }
            log.sync();
        }
        List<String> segments = FileStorage.open(dir).list();
        assertThat(segments).hasSizeGreaterThan(3);
        Path last = dir.resolve(segments.get(segments.size() - 1));
        long size = Files.size(last);
        try (var channel = java.nio.channels.FileChannel.open(last, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(size - 5);
        }

        SegmentedLog.Opened opened = SegmentedLog.open(FileStorage.open(dir), 256, 1024);
        assertThat(opened.tornTail().orElseThrow().bytesCut()).isEqualTo(49 + 8 - 5);
        assertThat(opened.entries().stream().map(SegmentedLog.Entry::payload)).containsExactlyElementsOf(written.subList(0, 49));
        assertThat(Files.size(last)).isEqualTo(size - 49 - 8);
        try (SegmentedLog log = opened.log()) {
            log.append(new byte[] {42});
            log.sync();
        }

        SegmentedLog.Opened again = SegmentedLog.open(FileStorage.open(dir), 256, 1024);
        assertThat(again.tornTail()).isEmpty();
        assertThat(again.entries()).hasSize(50);
        assertThat(again.entries().get(49).payload()).containsExactly(42);
        again.log().close();
    }

    @Test
    void checkpointsRoundTripAndSkipATempLeftByACrash() throws Exception {
        StoredCheckpoints checkpoints = new StoredCheckpoints(FileStorage.open(dir));
        checkpoints.write(10, new byte[] {1, 2, 3});
        Files.write(dir.resolve(StoredCheckpoints.fileName(20) + ".tmp"), new byte[] {7, 7});
        StoredCheckpoints.Latest latest = new StoredCheckpoints(FileStorage.open(dir)).latest();
        assertThat(latest.damaged()).isEmpty();
        assertThat(latest.checkpoint().orElseThrow().consensusId()).isEqualTo(10);
        assertThat(latest.checkpoint().orElseThrow().content()).containsExactly(1, 2, 3);
    }
}
