package io.phalanx.runtime.storage;

import io.phalanx.core.replica.ReplicaCore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The marker file tells a first start from a restart, and a directory that belongs to another replica. */
class DataDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void firstStartWritesTheMarkerAndARestartFindsIt() throws Exception {
        Path data = dir.resolve("r1");
        assertThat(DataDirectory.open(data, 1)).isEqualTo(ReplicaCore.Start.FIRST_START);
        assertThat(Files.readString(data.resolve(DataDirectory.MARKER))).isEqualTo("1\n");
        assertThat(Files.exists(data.resolve(DataDirectory.MARKER + ".tmp"))).isFalse();
        assertThat(DataDirectory.open(data, 1)).isEqualTo(ReplicaCore.Start.RECOVERING);
    }

    @Test
    void anotherReplicasDirectoryIsRefused() throws Exception {
        DataDirectory.open(dir, 1);
        assertThatThrownBy(() -> DataDirectory.open(dir, 2)).isInstanceOf(IOException.class)
                .hasMessageContaining("belongs to replica 1");
    }
}
