package io.phalanx.ordering;

import com.google.protobuf.ByteString;
import io.phalanx.core.storage.CorruptLogException;
import io.phalanx.core.storage.SegmentedLog;
import io.phalanx.runtime.storage.FileStorage;
import org.hyperledger.fabric.protos.common.Block;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A channel's blocks on a real disk: in order, once each, and back after a restart or a torn write. */
class BlockStoreTest {
    private static final int BLOCK_BYTES_MAX = 1 << 20;

    @TempDir
    Path dir;

    /** Blocks 0..count-1 of one chain, each with one envelope of 200 bytes. */
    private static List<Block> chain(int count) {
        List<Block> blocks = new ArrayList<>();
        ByteString previous = ByteString.EMPTY;
        for (int i = 0; i < count; i++) {
            Block block = Blocks.build(i, previous, List.of(TestEnvelopes.transaction("alpha", "t" + i, 200, (byte) i)));
            blocks.add(block);
            previous = ByteString.copyFrom(Blocks.headerHash(block.getHeader()));
        }
        return blocks;
    }

    private BlockStore open(long segmentBytes) throws Exception {
        return BlockStore.open(FileStorage.open(dir), segmentBytes, BLOCK_BYTES_MAX);
    }

    @Test
    void blocksAreReadBackAfterARestartAndTheChainGoesOn() throws Exception {
        List<Block> blocks = chain(6);
        try (BlockStore store = open(1 << 20)) {
            for (Block block : blocks.subList(0, 5)) {
                assertThat(store.append(block)).isEqualTo(BlockStore.Commit.STORED);
            }
        }
        try (BlockStore store = open(1 << 20)) {
            assertThat(store.height()).isEqualTo(5);
            assertThat(store.get(3)).isEqualTo(blocks.get(3));
            assertThat(store.get(5)).isNull();
            assertThat(store.append(blocks.get(5))).isEqualTo(BlockStore.Commit.STORED);
            assertThat(store.height()).isEqualTo(6);
        }
    }

    @Test
    void aStoredBlockCommittedAgainIsANoOpAndADifferentOneIsRefused() throws Exception {
        List<Block> blocks = chain(3);
        Block forkAtOne = Blocks.build(1, ByteString.copyFrom(Blocks.headerHash(blocks.get(0).getHeader())),
                List.of(TestEnvelopes.transaction("alpha", "fork", 10, (byte) 9)));
        try (BlockStore store = open(1 << 20)) {
            store.append(blocks.get(0));
            store.append(blocks.get(1));
            // The same block with other nodes' signatures added is the same block.
            Block signedCopy = blocks.get(1).toBuilder().setMetadata(blocks.get(1).getMetadata().toBuilder()
                    .setMetadata(0, ByteString.copyFromUtf8("signatures"))).build();
            assertThat(store.append(signedCopy)).isEqualTo(BlockStore.Commit.ALREADY_STORED);
            assertThatThrownBy(() -> store.append(forkAtOne)).isInstanceOf(BlockStore.BlockRefusedException.class)
                    .hasMessage("a different block 1 is stored");
            assertThatThrownBy(() -> store.append(Blocks.build(5, ByteString.EMPTY, List.of())))
                    .hasMessage("block 5 does not follow block 1");
            Block unlinked = Blocks.build(2, ByteString.copyFromUtf8("elsewhere"), List.of());
            assertThatThrownBy(() -> store.append(unlinked)).hasMessage("block 2 does not name the previous block's header hash");
            assertThat(store.append(blocks.get(2))).isEqualTo(BlockStore.Commit.STORED);
        }
    }

    @Test
    void aTornLastWriteIsCutAndTheBlockCanBeStoredAgain() throws Exception {
        List<Block> blocks = chain(3);
        try (BlockStore store = open(1 << 20)) {
            for (Block block : blocks) {
                store.append(block);
            }
        }
        Path segment = dir.resolve(SegmentedLog.segmentName(1));
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(file.length() - 50); // the last block's write was cut short by a crash
        }
        try (BlockStore store = open(1 << 20)) {
            assertThat(store.height()).isEqualTo(2);
            assertThat(store.append(blocks.get(2))).isEqualTo(BlockStore.Commit.STORED);
        }
    }

    @Test
    void aDamagedBlockInTheMiddleStopsTheOpenNamingFileAndOffset() throws Exception {
        try (BlockStore store = open(1 << 20)) {
            for (Block block : chain(3)) {
                store.append(block);
            }
        }
        Path segment = dir.resolve(SegmentedLog.segmentName(1));
        byte[] bytes = Files.readAllBytes(segment);
        bytes[40] ^= 0x5a; // inside the first block's payload
        Files.write(segment, bytes);
        assertThatThrownBy(() -> open(1 << 20)).isInstanceOf(CorruptLogException.class)
                .hasMessageContaining(SegmentedLog.segmentName(1));
    }

    @Test
    void retentionDeletesSegmentsOfOlderBlocksOnly() throws Exception {
        List<Block> blocks = chain(12);
        try (BlockStore store = open(1_000)) { // about three blocks a segment
            for (Block block : blocks) {
                store.append(block);
            }
            store.retainFrom(7);
            assertThat(store.first()).isLessThanOrEqualTo(7).isGreaterThan(0);
            assertThat(store.get(7)).isEqualTo(blocks.get(7));
            assertThat(store.get(0)).isNull();
            assertThat(store.append(blocks.get(0))).isEqualTo(BlockStore.Commit.ALREADY_STORED); // pruned, not refused
        }
        try (BlockStore store = open(1_000)) {
            assertThat(store.height()).isEqualTo(12);
            assertThat(store.first()).isGreaterThan(0);
            assertThat(store.get(11)).isEqualTo(blocks.get(11));
        }
    }
}
