package io.phalanx.ordering;

import com.google.protobuf.InvalidProtocolBufferException;
import io.phalanx.core.storage.CorruptLogException;
import io.phalanx.core.storage.SegmentedLog;
import io.phalanx.core.storage.Storage;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockHeader;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * One channel's blocks on disk, in order: a segmented, checksummed log of the blocks' bytes
 * ({@link SegmentedLog} over a {@link Storage}: files in a node, with fsync), each block synced
 * before {@link #append} returns. Opening it checks that the stored blocks form a hash chain,
 * cuts a torn last write and refuses any other damage. Committing a block that is already stored
 * is a no-op, so a node that restarts and executes its last decisions again, or one that
 * receives a block it has, changes nothing; a different block under a stored number is refused.
 * Only the positions of the blocks are kept in memory; {@link #get} reads a block from disk.
 * Thread-safe: the execution thread appends while others read.
 * {@link #retainFrom} deletes the segments that hold only older blocks.
 */
public final class BlockStore implements Closeable {
    /** What {@link #append} did. */
    public enum Commit {
        /** The block was new and is durable now. */
        STORED,
        /** The same block was stored already (or pruned after it was stored): nothing changed. */
        ALREADY_STORED
    }

    /** A block conflicts with what the store holds or expects; nothing was stored. */
    public static final class BlockRefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        BlockRefusedException(String message) {
            super(message);
        }
    }

    private final Storage storage;
    private final SegmentedLog log;
    /** Where each stored block's record starts, and its payload's length, by block number. */
    private final TreeMap<Long, Stored> stored = new TreeMap<>();
    /** The last block's header, also once it was pruned: the next block must follow it. */
    private BlockHeader last;
    /** Number of the oldest block not pruned; the next block's number while none is stored. */
    private long first;

    private record Stored(SegmentedLog.Position position, int length) {
    }

    private BlockStore(Storage storage, SegmentedLog log) {
        this.storage = storage;
        this.log = log;
    }

    /**
     * Opens the store in {@code storage}, creating it if empty.
     *
     * @param storage         the channel's directory
     * @param segmentBytesMax a segment is closed before a block would take it past this size
     * @param blockBytesMax   the largest block stored; a larger length on disk is damage
     * @return the open store
     * @throws IOException         if the storage fails
     * @throws CorruptLogException if a record is damaged other than by a torn last write, or the
     *                             stored blocks do not form a chain; the message names file and offset
     */
    public static BlockStore open(Storage storage, long segmentBytesMax, int blockBytesMax)
            throws IOException, CorruptLogException {
        SegmentedLog.Opened opened = SegmentedLog.open(storage, segmentBytesMax, blockBytesMax);
        BlockStore store = new BlockStore(storage, opened.log());
        Block previous = null;
        for (SegmentedLog.Entry entry : opened.entries()) {
            SegmentedLog.Position at = entry.position();
            Block block;
            try {
                block = Block.parseFrom(entry.payload());
            } catch (InvalidProtocolBufferException e) {
                throw new CorruptLogException(SegmentedLog.segmentName(at.segmentIndex()), at.offset(),
                        "a record passed its checksum but holds no block: " + e.getMessage(), at);
            }
            if (previous != null) {
                String problem = Blocks.chainProblem(previous, block);
                if (problem != null) {
                    throw new CorruptLogException(SegmentedLog.segmentName(at.segmentIndex()), at.offset(), problem, at);
                }
            }
            store.stored.put(block.getHeader().getNumber(), new Stored(at, entry.payload().length));
            previous = block;
        }
        store.last = previous == null ? null : previous.getHeader();
        store.first = store.stored.isEmpty() ? 0 : store.stored.firstKey();
        return store;
    }

    /**
     * The number the next block must have.
     *
     * @return the last stored block's number plus one; 0 for an empty store
     */
    public synchronized long height() {
        return last == null ? 0 : last.getNumber() + 1;
    }

    /**
     * The oldest block {@link #get} can return.
     *
     * @return its number; {@link #height} if the store holds none
     */
    public synchronized long first() {
        return stored.isEmpty() ? height() : first;
    }

    /**
     * Stores {@code block} durably if it is the next one; does nothing if the same block is
     * stored already.
     *
     * @param block the block
     * @return what was done
     * @throws BlockRefusedException if a different block has its number, it skips numbers, or it
     *                               does not name the last block's header hash
     * @throws IOException           if the storage fails; the store then refuses further use
     */
    public synchronized Commit append(Block block) throws BlockRefusedException, IOException {
        long number = block.getHeader().getNumber();
        if (number < height()) {
            Block there = number >= first() ? get(number) : null;
            if (there != null && !there.getHeader().equals(block.getHeader())) {
                throw new BlockRefusedException("a different block " + number + " is stored");
            }
            return Commit.ALREADY_STORED;
        }
        if (number > height()) {
            throw new BlockRefusedException("block " + number + " does not follow block " + (height() - 1));
        }
        String problem = Blocks.chainProblem(last == null ? null : Block.newBuilder().setHeader(last).build(), block);
        if (problem != null) {
            throw new BlockRefusedException(problem);
        }
        byte[] bytes = block.toByteArray();
        SegmentedLog.Position at = log.append(bytes);
        log.sync();
        stored.put(number, new Stored(at, bytes.length));
        if (last == null) {
            first = number;
        }
        last = block.getHeader();
        return Commit.STORED;
    }

    /**
     * Reads block {@code number} from disk.
     *
     * @param number the block number
     * @return the block, or null if it is not stored (pruned, or not yet cut)
     * @throws IOException if the storage fails or the record is no longer a block
     */
    public synchronized Block get(long number) throws IOException {
        Stored at = stored.get(number);
        if (at == null) {
            return null;
        }
        byte[] bytes = storage.read(SegmentedLog.segmentName(at.position().segmentIndex()),
                at.position().offset() + SegmentedLog.RECORD_HEADER_BYTES, at.length());
        return Block.parseFrom(bytes);
    }

    /**
     * Deletes the segments that hold only blocks before {@code number}; blocks from
     * {@code number} on stay readable.
     *
     * @param number the oldest block to keep
     * @throws IOException if a deletion fails
     */
    public synchronized void retainFrom(long number) throws IOException {
        Map.Entry<Long, Stored> keep = stored.ceilingEntry(number);
        long segment = keep == null ? log.segmentIndex() : keep.getValue().position().segmentIndex();
        log.deleteSegmentsBefore(segment);
        stored.headMap(number).entrySet().removeIf(e -> e.getValue().position().segmentIndex() < segment);
        first = stored.isEmpty() ? height() : stored.firstKey();
    }

    @Override
    public synchronized void close() throws IOException {
        log.close();
    }
}
