package io.phalanx.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An append-only log of opaque records over a {@link Storage}, split into segment files
 * {@code log-<20-digit segment index>.seg} (indexes count up from 1, so name order is log order;
 * retention removes whole segments from the front). Record layout: {@link LogRecords}. A record
 * never spans segments: a new one starts when the current one would exceed {@code segmentBytesMax};
 * a larger record gets a segment of its own.
 *
 * <p>Durability: {@link #append} only writes; {@link #sync} makes every appended record durable
 * (group commit). Two orderings keep recovery simple. A segment is synced, and the next one's
 * creation made durable, before anything is written to the next one, so only the last segment can
 * ever hold a torn write. Segments are deleted one directory sync at a time, oldest first (and
 * newest first when cutting the tail), so a crash never leaves a gap in the numbering.
 *
 * <p>Recovery ({@link #open}) cuts a torn last record of the last segment, and reports the cut; any
 * other damage throws {@link CorruptLogException}. Nothing damaged is skipped silently. A write that
 * fails leaves the file in an unknown state, and a failed fsync may have dropped dirty pages that a
 * retry would not write again: after any I/O error the log refuses further use.
 *
 * <p>Not thread-safe: one owner appends, syncs and deletes.
 */
public final class SegmentedLog implements Closeable {
    static final String PREFIX = "log-";
    static final String SUFFIX = ".seg";
    private static final long FIRST_SEGMENT = 1;

    /**
     * Where a record starts: its segment and the byte offset of its header there.
     *
     * @param segmentIndex the index of the segment holding the record
     * @param offset       the byte offset of the record's header in that segment
     */
    public record Position(long segmentIndex, long offset) {
    }

    /**
     * A record read back by {@link #open}, and where it is ({@code equals} compares the payload by identity).
     *
     * @param position where the record starts
     * @param payload  the record's content, without its header
     */
    public record Entry(Position position, byte[] payload) {
    }

    /**
     * What {@link #open} cut from the end of the last segment: a write a crash interrupted, or damage
     * to the final record, which looks the same. Log it: synced records may be among those cut.
     *
     * @param fileName the segment that was cut
     * @param offset   the length it was cut to
     * @param bytesCut how many bytes were dropped
     * @param reason   what was wrong with the first record dropped
     */
    public record TornTail(String fileName, long offset, long bytesCut, String reason) {
    }

    /**
     * The log, positioned for appending; every intact record, in order; and the torn tail cut, if any.
     *
     * @param log       the open log
     * @param entries   every intact record, in log order
     * @param tornTail  what was cut from the end, if anything
     */
    public record Opened(SegmentedLog log, List<Entry> entries, Optional<TornTail> tornTail) {
    }

    private final Storage storage;
    private final long segmentBytesMax;
    private final int recordBytesMax;
    /** Size of every segment before the current one, by index (they are synced and never written again). */
    private final TreeMap<Long, Long> closedSegmentBytes;
    private long segmentIndex;
    private Storage.AppendFile current;
    private boolean unsynced;
    private IOException failure;
    private boolean closed;

    private SegmentedLog(Storage storage, long segmentBytesMax, int recordBytesMax,
                         TreeMap<Long, Long> closedSegmentBytes, long segmentIndex, Storage.AppendFile current) {
        this.storage = storage;
        this.segmentBytesMax = segmentBytesMax;
        this.recordBytesMax = recordBytesMax;
        this.closedSegmentBytes = closedSegmentBytes;
        this.segmentIndex = segmentIndex;
        this.current = current;
    }

    /** Bytes before each record's payload (its length and checksum): a payload starts this far after its {@link Position}. */
    public static final int RECORD_HEADER_BYTES = LogRecords.HEADER_BYTES;

    /**
     * The file name of segment {@code segmentIndex}.
     *
     * @param segmentIndex the segment's index, from 1
     * @return {@code log-<index in 20 digits>.seg}
     */
    public static String segmentName(long segmentIndex) {
        return String.format("%s%020d%s", PREFIX, segmentIndex, SUFFIX);
    }

    /**
     * Reads the whole log, cuts a torn tail (durably), creates the first segment if there is none,
     * and returns the log ready to append after the last intact record.
     *
     * @param storage         the directory holding the segments
     * @param segmentBytesMax a segment is closed before a record would take it past this size
     * @param recordBytesMax  the largest payload {@link #append} accepts; a larger length on disk is damage
     * @return the open log with the records it holds and the torn tail it cut
     * @throws IOException if the storage fails
     * @throws CorruptLogException if any damage other than a torn tail is found; nothing is changed then
     */
    public static Opened open(Storage storage, long segmentBytesMax, int recordBytesMax)
            throws IOException, CorruptLogException {
        if (segmentBytesMax <= 0 || segmentBytesMax > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segmentBytesMax must be in 1.." + Integer.MAX_VALUE + ": " + segmentBytesMax);
        }
        if (recordBytesMax < 0 || recordBytesMax > Integer.MAX_VALUE - LogRecords.HEADER_BYTES) {
            throw new IllegalArgumentException("recordBytesMax out of range: " + recordBytesMax);
        }
        LogRecovery.Result found = LogRecovery.recover(storage, recordBytesMax);
        TreeMap<Long, Long> closed = new TreeMap<>(found.segmentBytes());
        long last = closed.isEmpty() ? FIRST_SEGMENT : closed.lastKey();
        closed.remove(last);
        Storage.AppendFile file = storage.append(segmentName(last));
        if (found.segmentBytes().isEmpty()) {
            try {
                storage.syncDirectory();
            } catch (IOException e) {
                file.close();
                throw e;
            }
        }
        SegmentedLog log = new SegmentedLog(storage, segmentBytesMax, recordBytesMax, closed, last, file);
        return new Opened(log, Collections.unmodifiableList(found.entries()), found.tornTail());
    }

    /**
     * Discards the record at {@code from} and everything after it, durably: later segments are
     * deleted newest first, then {@code from}'s segment is cut at its offset. For a log found
     * corrupt ({@link CorruptLogException#position()}) that will be refilled from peers; the log
     * must not be open.
     *
     * @param storage the directory holding the segments
     * @param from    the first record to discard
     * @throws IOException if the storage fails
     * @throws CorruptLogException if a file named like a segment has an invalid name
     */
    public static void deleteFrom(Storage storage, Position from) throws IOException, CorruptLogException {
        List<Long> indexes = LogRecovery.segmentIndexes(storage);
        if (!indexes.contains(from.segmentIndex())) {
            throw new IllegalArgumentException("no segment " + segmentName(from.segmentIndex()));
        }
        for (int i = indexes.size() - 1; indexes.get(i) > from.segmentIndex(); i--) {
            storage.delete(segmentName(indexes.get(i)));
            storage.syncDirectory();
        }
        storage.truncate(segmentName(from.segmentIndex()), from.offset());
    }

    /**
     * Writes one record after the last; it is durable only once {@link #sync} returns. Opening a new
     * segment syncs the current one and the directory first (see the class comment).
     *
     * @param payload the record's content
     * @return where the record starts
     * @throws IOException if the write fails; the log then refuses further use
     * @throws IllegalArgumentException if {@code payload} is longer than {@code recordBytesMax}
     */
    public Position append(byte[] payload) throws IOException {
        checkUsable();
        if (payload.length > recordBytesMax) {
            throw new IllegalArgumentException("record of " + payload.length + " bytes exceeds recordBytesMax " + recordBytesMax);
        }
        long frameBytes = LogRecords.HEADER_BYTES + (long) payload.length;
        try {
            if (current.size() > 0 && current.size() + frameBytes > segmentBytesMax) {
                openNextSegment();
            }
            long offset = current.size();
            byte[] frame = LogRecords.frame(segmentIndex, offset, payload);
            unsynced = true;
            current.write(frame, 0, frame.length);
            return new Position(segmentIndex, offset);
        } catch (IOException e) {
            throw fail(e);
        }
    }

    private void openNextSegment() throws IOException {
        current.sync();
        unsynced = false;
        closedSegmentBytes.put(segmentIndex, current.size());
        current.close();
        segmentIndex++;
        current = storage.append(segmentName(segmentIndex));
        storage.syncDirectory();
    }

    /**
     * Makes every record appended so far durable.
     *
     * @throws IOException if the fsync fails; the log then refuses further use
     */
    public void sync() throws IOException {
        checkUsable();
        if (!unsynced) {
            return;
        }
        try {
            current.sync();
            unsynced = false;
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /**
     * The segment being appended to.
     *
     * @return its index
     */
    public long segmentIndex() {
        return segmentIndex;
    }

    /**
     * Whether a record of {@code payloadBytes} appended now would go into the current segment.
     *
     * @param payloadBytes the record's payload size
     * @return false if it would open the next segment
     */
    public boolean fitsInSegment(int payloadBytes) {
        return current.size() == 0 || current.size() + LogRecords.HEADER_BYTES + (long) payloadBytes <= segmentBytesMax;
    }

    /**
     * Deletes every segment before {@code segmentIndex}, oldest first, each deletion made durable
     * before the next: the caller has a durable checkpoint covering all their records.
     *
     * @param segmentIndex the first segment to keep, at most the current one
     * @throws IOException if a deletion fails; the log then refuses further use
     */
    public void deleteSegmentsBefore(long segmentIndex) throws IOException {
        checkUsable();
        if (segmentIndex > this.segmentIndex) {
            throw new IllegalArgumentException("cannot delete the current segment " + this.segmentIndex
                    + " (asked to delete before " + segmentIndex + ")");
        }
        try {
            while (!closedSegmentBytes.isEmpty() && closedSegmentBytes.firstKey() < segmentIndex) {
                storage.delete(segmentName(closedSegmentBytes.firstKey()));
                storage.syncDirectory();
                closedSegmentBytes.pollFirstEntry();
            }
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /**
     * The log's size.
     *
     * @return bytes on disk in the live segments, including records not yet synced
     */
    public long bytes() {
        long total = current.size();
        for (long size : closedSegmentBytes.values()) {
            total += size;
        }
        return total;
    }

    /** Closes the current segment without syncing it. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            current.close();
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("log is closed");
        }
        if (failure != null) {
            throw new IllegalStateException("log failed earlier and must be reopened: " + failure.getMessage(), failure);
        }
    }

    private IOException fail(IOException e) {
        failure = e;
        return e;
    }
}
