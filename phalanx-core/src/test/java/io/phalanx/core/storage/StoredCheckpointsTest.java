package io.phalanx.core.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Checkpoint files: the layout, read-back verification on write, and that every damaged file is
 * detected and reported while {@code latest()} falls back to an older intact one. Crashes during
 * writes are tested over the simulated disk in phalanx-sim ({@code StoredCheckpointsCrashTest}).
 */
class StoredCheckpointsTest {
    private final MemoryStorage storage = new MemoryStorage();
    private final StoredCheckpoints checkpoints = new StoredCheckpoints(storage);

    private static byte[] content(int seed) {
        byte[] content = new byte[40 + seed];
        Arrays.fill(content, (byte) seed);
        return content;
    }

    @Test
    void theFileIsAHeaderThenTheContent() throws Exception {
        checkpoints.write(258, new byte[] {9, 8, 7});
        byte[] file = storage.read("checkpoint-00000000000000000258.ckpt");
        assertThat(HexFormat.of().formatHex(file, 0, 20))
                .isEqualTo("50484350" + "00000001" + "0000000000000102" + "00000003");
        assertThat(Arrays.copyOfRange(file, 24, 27)).containsExactly(9, 8, 7);
        assertThat(file).hasSize(27);
    }

    @Test
    void noCheckpointYet() throws Exception {
        assertThat(checkpoints.latest()).isEqualTo(new StoredCheckpoints.Latest(Optional.empty(), List.of()));
    }

    @Test
    void latestIsTheNewestByConsensusId() throws Exception {
        checkpoints.write(100, content(1));
        checkpoints.write(9, content(2));
        checkpoints.write(1000, content(3));
        StoredCheckpoints.Latest latest = checkpoints.latest();
        assertThat(latest.checkpoint().orElseThrow().consensusId()).isEqualTo(1000);
        assertThat(latest.checkpoint().orElseThrow().content()).isEqualTo(content(3));
        assertThat(latest.damaged()).isEmpty();
        assertThat(checkpoints.consensusIds()).containsExactly(9L, 100L, 1000L);
    }

    @Test
    void aFlippedByteAnywhereInTheNewestIsReportedAndTheOlderOneUsed() throws Exception {
        checkpoints.write(10, content(1));
        checkpoints.write(20, content(2));
        String newest = StoredCheckpoints.fileName(20);
        byte[] intact = storage.read(newest);
        for (int at = 0; at < intact.length; at++) {
            byte[] damaged = intact.clone();
            damaged[at] ^= 0x01;
            storage.put(newest, damaged);
            StoredCheckpoints.Latest latest = checkpoints.latest();
            assertThat(latest.checkpoint().orElseThrow().consensusId()).as("byte " + at).isEqualTo(10);
            assertThat(latest.damaged()).as("byte " + at).singleElement()
                    .satisfies(d -> assertThat(d.fileName()).isEqualTo(newest));
        }
    }

    @Test
    void aTornCheckpointOfEveryLengthIsReported() throws Exception {
        checkpoints.write(20, content(2));
        String name = StoredCheckpoints.fileName(20);
        byte[] intact = storage.read(name);
        for (int length = 0; length < intact.length; length++) {
            storage.put(name, Arrays.copyOf(intact, length));
            StoredCheckpoints.Latest latest = checkpoints.latest();
            assertThat(latest.checkpoint()).as("length " + length).isEmpty();
            assertThat(latest.damaged()).as("length " + length).hasSize(1);
        }
    }

    @Test
    void aCheckpointUnderAnotherConsensusIdsNameIsDamage() throws Exception {
        checkpoints.write(5, content(1));
        storage.put(StoredCheckpoints.fileName(7), storage.read(StoredCheckpoints.fileName(5)));
        StoredCheckpoints.Latest latest = checkpoints.latest();
        assertThat(latest.checkpoint().orElseThrow().consensusId()).isEqualTo(5);
        assertThat(latest.damaged()).containsExactly(
                new StoredCheckpoints.Damaged(StoredCheckpoints.fileName(7), "header says consensus id 5"));
    }

    @Test
    void aBadlyNamedCheckpointFileIsReported() throws Exception {
        checkpoints.write(5, content(1));
        storage.put("checkpoint-x.ckpt", new byte[0]);
        assertThat(checkpoints.latest().damaged()).extracting(StoredCheckpoints.Damaged::fileName)
                .containsExactly("checkpoint-x.ckpt");
    }

    @Test
    void writeFailsIfTheFileDoesNotReadBackIntact() {
        Storage flipsAByte = new MemoryStorage() {
            @Override
            public void writeAtomically(String name, byte[] content) {
                byte[] damaged = content.clone();
                damaged[damaged.length - 1] ^= 0x40;
                super.writeAtomically(name, damaged);
            }
        };
        assertThatThrownBy(() -> new StoredCheckpoints(flipsAByte).write(3, content(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(StoredCheckpoints.fileName(3)).hasMessageContaining("checksum mismatch");
    }

    @Test
    void retainKeepsTheNewestAndMakesTheDeletionsDurable() throws Exception {
        for (long id : new long[] {10, 20, 30, 40}) {
            checkpoints.write(id, content((int) id));
        }
        storage.operations.clear();
        checkpoints.retain(2);
        assertThat(checkpoints.consensusIds()).containsExactly(30L, 40L);
        assertThat(storage.operations).containsExactly("delete " + StoredCheckpoints.fileName(10),
                "delete " + StoredCheckpoints.fileName(20), "syncDirectory");
        checkpoints.retain(5);
        assertThat(checkpoints.consensusIds()).containsExactly(30L, 40L);
        assertThatThrownBy(() -> checkpoints.retain(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void otherFilesAreNotCheckpoints() throws Exception {
        storage.put(SegmentedLog.segmentName(1), new byte[] {1});
        storage.put("replica-id", new byte[] {1});
        checkpoints.write(1, content(1));
        checkpoints.retain(1);
        assertThat(storage.list()).contains(SegmentedLog.segmentName(1), "replica-id");
        assertThat(checkpoints.latest().damaged()).isEmpty();
    }

    @Test
    void aNegativeConsensusIdIsRefused() {
        assertThatThrownBy(() -> checkpoints.write(-1, content(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
