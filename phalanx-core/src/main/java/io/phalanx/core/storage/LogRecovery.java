package io.phalanx.core.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The recovery scan of a {@link SegmentedLog}: reads every segment in order and tells a torn tail,
 * which a crash explains and is cut, from damage, which is reported.
 *
 * <p>A crash can only interrupt the last write to the last segment (the log syncs a segment before
 * starting the next). So damage is a torn tail only if it is in the last segment, has the shape of
 * an interrupted write ({@link LogRecords.Damage#couldBeTorn()}), and no intact record starts
 * anywhere after it: an intact record after a bad one means the bad one was once complete, for
 * instance a middle record whose length field was flipped to reach past the end of the file.
 * Anything else is {@link CorruptLogException}. What this cannot tell apart: damage to the very last
 * record (a flipped byte, a lost or misdirected write) looks exactly like a torn write and is cut;
 * the cut is reported so the caller can log it. (A runtime replica under durability sync then
 * restores, since a write that never completed was never synced; see its {@code ReplicaStorage}.)
 */
final class LogRecovery {
    private LogRecovery() {
    }

    /** Every intact record in order; the size of each segment after the cut, by index in order; the cut. */
    record Result(List<SegmentedLog.Entry> entries, Map<Long, Long> segmentBytes,
                  Optional<SegmentedLog.TornTail> tornTail) {
    }

    static Result recover(Storage storage, int recordBytesMax) throws IOException, CorruptLogException {
        List<Long> indexes = segmentIndexes(storage);
        List<SegmentedLog.Entry> entries = new ArrayList<>();
        Map<Long, Long> segmentBytes = new LinkedHashMap<>();
        for (int i = 0; i < indexes.size(); i++) {
            long index = indexes.get(i);
            String name = SegmentedLog.segmentName(index);
            boolean last = i == indexes.size() - 1;
            if (i > 0 && index != indexes.get(i - 1) + 1) {
                throw corrupt(index, 0, "segment " + SegmentedLog.segmentName(indexes.get(i - 1) + 1)
                        + " is missing before it");
            }
            byte[] segment = storage.read(name);
            if (segment.length == 0 && !last) {
                throw corrupt(index, 0, "empty segment followed by later segments (the log never leaves one)");
            }
            LogRecords.Scan scan = LogRecords.scan(segment, index, recordBytesMax);
            entries.addAll(scan.entries());
            if (scan.damage() == null) {
                segmentBytes.put(index, (long) segment.length);
                continue;
            }
            LogRecords.Damage damage = scan.damage();
            checkTorn(index, segment, damage, last, recordBytesMax);
            storage.truncate(name, damage.offset());
            segmentBytes.put(index, (long) damage.offset());
            return new Result(entries, segmentBytes, Optional.of(new SegmentedLog.TornTail(
                    name, damage.offset(), segment.length - damage.offset(), damage.reason())));
        }
        return new Result(entries, segmentBytes, Optional.empty());
    }

    /** Throws unless {@code damage} in segment {@code index} is a torn tail (see the class comment). */
    private static void checkTorn(long index, byte[] segment, LogRecords.Damage damage, boolean last, int recordBytesMax)
            throws CorruptLogException {
        if (!last) {
            throw corrupt(index, damage.offset(), damage.reason() + ", in a segment that is not the last"
                    + " (a crash only tears the last)");
        }
        if (!damage.couldBeTorn()) {
            throw corrupt(index, damage.offset(), damage.reason() + ", with more data after it");
        }
        int intact = LogRecords.nextIntactRecord(segment, damage.offset(), index, recordBytesMax);
        if (intact >= 0) {
            throw corrupt(index, damage.offset(), damage.reason() + ", followed by an intact record at byte " + intact);
        }
    }

    private static CorruptLogException corrupt(long index, long offset, String reason) {
        return new CorruptLogException(SegmentedLog.segmentName(index), offset, reason,
                new SegmentedLog.Position(index, offset));
    }

    /**
     * The indexes of the segment files, ascending. A file named like a segment ({@code log-*.seg})
     * whose index does not parse is damage, not someone else's file.
     */
    static List<Long> segmentIndexes(Storage storage) throws IOException, CorruptLogException {
        List<Long> indexes = new ArrayList<>();
        for (String name : storage.list()) {
            if (!name.startsWith(SegmentedLog.PREFIX) || !name.endsWith(SegmentedLog.SUFFIX)) {
                continue;
            }
            long index = parseIndex(name);
            if (index < 1 || !SegmentedLog.segmentName(index).equals(name)) {
                throw new CorruptLogException(name, 0, "not a valid segment name", null);
            }
            indexes.add(index);
        }
        return indexes;
    }

    private static long parseIndex(String name) {
        String digits = name.substring(SegmentedLog.PREFIX.length(), name.length() - SegmentedLog.SUFFIX.length());
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
