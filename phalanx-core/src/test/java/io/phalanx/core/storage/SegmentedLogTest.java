package io.phalanx.core.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The segmented log over a fault-free storage whose files the tests damage by hand: round trips
 * across segments, the order of syncs, torn tails of every length cut, every other damage reported
 * with its file and offset, retention and repair. Crash behaviour under a faulty disk is tested in
 * phalanx-sim ({@code SegmentedLogCrashPropertiesTest}).
 */
class SegmentedLogTest {
    private static final int RECORD_BYTES_MAX = 1000;
    private static final long SEGMENT_BYTES_MAX = 200;
    private static final String FIRST = SegmentedLog.segmentName(1);
    private static final String SECOND = SegmentedLog.segmentName(2);

    private final MemoryStorage storage = new MemoryStorage();

    private static byte[] payload(int i, int size) {
        byte[] payload = new byte[size];
        for (int b = 0; b < size; b++) {
            payload[b] = (byte) (i * 31 + b * 7 + 1);
        }
        return payload;
    }

    private SegmentedLog.Opened open() throws Exception {
        return SegmentedLog.open(storage, SEGMENT_BYTES_MAX, RECORD_BYTES_MAX);
    }

    /** Appends {@code count} records of varied sizes, syncs, closes; returns their payloads. */
    private List<byte[]> writeRecords(int count) throws Exception {
        List<byte[]> written = new ArrayList<>();
        try (SegmentedLog log = open().log()) {
            for (int i = 0; i < count; i++) {
                byte[] payload = payload(i, (i * 13) % 50);
                log.append(payload);
                written.add(payload);
            }
            log.sync();
        }
        return written;
    }

    private static List<byte[]> payloads(SegmentedLog.Opened opened) {
        return opened.entries().stream().map(SegmentedLog.Entry::payload).toList();
    }

    private byte[] flipped(String name, long offset) throws IOException {
        byte[] content = storage.read(name);
        content[(int) offset] ^= 0x10;
        return content;
    }

    @Test
    void anEmptyStorageOpensWithOneDurableEmptySegment() throws Exception {
        SegmentedLog.Opened opened = open();
        assertThat(opened.entries()).isEmpty();
        assertThat(opened.tornTail()).isEmpty();
        assertThat(opened.log().segmentIndex()).isEqualTo(1);
        assertThat(storage.list()).containsExactly(FIRST);
        assertThat(storage.operations).containsExactly("create " + FIRST, "syncDirectory");
    }

    @Test
    void recordsRoundTripAcrossManySegmentsWithTheirPositions() throws Exception {
        List<byte[]> written = new ArrayList<>();
        List<SegmentedLog.Position> positions = new ArrayList<>();
        try (SegmentedLog log = open().log()) {
            for (int i = 0; i < 300; i++) {
                byte[] payload = payload(i, (i * 13) % 50);
                positions.add(log.append(payload));
                written.add(payload);
            }
            log.sync();
            assertThat(log.segmentIndex()).isGreaterThan(20);
            assertThat(log.bytes()).isEqualTo(totalBytes());
        }
        SegmentedLog.Opened reopened = open();
        assertThat(payloads(reopened)).containsExactlyElementsOf(written);
        assertThat(reopened.entries().stream().map(SegmentedLog.Entry::position)).containsExactlyElementsOf(positions);
        assertThat(reopened.tornTail()).isEmpty();
        for (String name : storage.list()) {
            assertThat(storage.read(name).length).as(name).isLessThanOrEqualTo((int) SEGMENT_BYTES_MAX);
        }
    }

    private long totalBytes() throws IOException {
        long total = 0;
        for (String name : storage.list()) {
            total += storage.read(name).length;
        }
        return total;
    }

    @Test
    void aRecordLargerThanASegmentGetsASegmentOfItsOwn() throws Exception {
        try (SegmentedLog log = open().log()) {
            assertThat(log.append(payload(0, 10))).isEqualTo(new SegmentedLog.Position(1, 0));
            assertThat(log.append(payload(1, 500))).isEqualTo(new SegmentedLog.Position(2, 0));
            assertThat(log.append(payload(2, 10))).isEqualTo(new SegmentedLog.Position(3, 0));
            log.sync();
        }
        assertThat(payloads(open())).containsExactly(payload(0, 10), payload(1, 500), payload(2, 10));
    }

    @Test
    void aRecordOverRecordBytesMaxIsRefusedAndTheLogStaysUsable() throws Exception {
        try (SegmentedLog log = open().log()) {
            assertThatThrownBy(() -> log.append(new byte[RECORD_BYTES_MAX + 1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recordBytesMax");
            log.append(new byte[RECORD_BYTES_MAX]);
            log.sync();
        }
        assertThat(payloads(open())).containsExactly(new byte[RECORD_BYTES_MAX]);
    }

    @Test
    void aNewSegmentIsStartedOnlyAfterTheOldOneAndTheCreationAreDurable() throws Exception {
        try (SegmentedLog log = open().log()) {
            log.append(payload(0, 150));
            storage.operations.clear();
            log.append(payload(1, 150));
        }
        assertThat(storage.operations).containsExactly(
                "sync " + FIRST, "create " + SECOND, "syncDirectory", "write " + SECOND);
    }

    @Test
    void syncIsOneFsyncForManyRecordsAndNoneWhenNothingIsNew() throws Exception {
        try (SegmentedLog log = open().log()) {
            storage.operations.clear();
            for (int i = 0; i < 10; i++) {
                log.append(payload(i, 5));
            }
            log.sync();
            log.sync();
        }
        assertThat(storage.operations.stream().filter(op -> op.startsWith("sync"))).containsExactly("sync " + FIRST);
    }

    @Test
    void aTornLastRecordOfEveryLengthIsCutAndEveryCompleteRecordSurvives() throws Exception {
        List<byte[]> written = writeRecords(30);
        String last = storage.list().get(storage.list().size() - 1);
        byte[] complete = storage.read(last);
        int finalRecordAt = (int) open().entries().get(29).position().offset();
        for (boolean zeroFilled : new boolean[] {false, true}) {
            for (int kept = 0; kept < complete.length - finalRecordAt; kept++) {
                byte[] torn = Arrays.copyOf(complete, zeroFilled ? complete.length : finalRecordAt + kept);
                Arrays.fill(torn, finalRecordAt + kept, torn.length, (byte) 0);
                storage.put(last, torn);

                SegmentedLog.Opened opened = open();
                opened.log().close();

                String label = "kept " + kept + (zeroFilled ? " then zeros" : "");
                assertThat(payloads(opened)).as(label).containsExactlyElementsOf(written.subList(0, 29));
                assertThat(storage.read(last).length).as(label).isEqualTo(finalRecordAt);
                boolean cut = torn.length > finalRecordAt;
                assertThat(opened.tornTail()).as(label).isEqualTo(cut
                        ? java.util.Optional.of(new SegmentedLog.TornTail(last, finalRecordAt,
                        torn.length - finalRecordAt, opened.tornTail().orElseThrow().reason()))
                        : java.util.Optional.empty());
            }
        }
    }

    @Test
    void appendingAfterACutContinuesWhereTheIntactRecordsEnd() throws Exception {
        List<byte[]> written = writeRecords(5);
        byte[] content = storage.read(FIRST);
        storage.put(FIRST, Arrays.copyOf(content, content.length - 3));
        try (SegmentedLog log = open().log()) {
            log.append(payload(99, 20));
            log.sync();
        }
        List<byte[]> expected = new ArrayList<>(written.subList(0, 4));
        expected.add(payload(99, 20));
        assertThat(payloads(open())).containsExactlyElementsOf(expected);
    }

    @Test
    void trailingZeroBytesAreCut() throws Exception {
        List<byte[]> written = writeRecords(3);
        byte[] content = storage.read(FIRST);
        storage.put(FIRST, Arrays.copyOf(content, content.length + 100));
        SegmentedLog.Opened opened = open();
        assertThat(payloads(opened)).containsExactlyElementsOf(written);
        assertThat(opened.tornTail().orElseThrow().bytesCut()).isEqualTo(100);
        assertThat(opened.tornTail().orElseThrow().offset()).isEqualTo(content.length);
    }

    @Test
    void aFlippedByteAnywhereInAMiddleRecordThrowsNamingTheFileAndTheRecordsOffset() throws Exception {
        try (SegmentedLog log = open().log()) {
            for (int i = 0; i < 30; i++) {
                log.append(payload(i, 10));
            }
            log.sync();
        }
        String last = storage.list().get(storage.list().size() - 1);
        List<SegmentedLog.Entry> entries = open().entries();
        SegmentedLog.Entry middle = entries.get(entries.size() - 3);
        assertThat(SegmentedLog.segmentName(middle.position().segmentIndex())).isEqualTo(last);
        byte[] intact = storage.read(last);
        long start = middle.position().offset();
        for (long at = start; at < start + LogRecords.HEADER_BYTES + middle.payload().length; at++) {
            storage.put(last, flipped(last, at));
            assertThatThrownBy(this::open).as("byte " + at)
                    .isInstanceOfSatisfying(CorruptLogException.class, e -> {
                        assertThat(e.fileName()).isEqualTo(last);
                        assertThat(e.offset()).isEqualTo(start);
                        assertThat(e.position()).contains(middle.position());
                        assertThat(e.getMessage()).contains(last).contains("at byte " + start);
                    });
            assertThat(storage.read(last)).as("nothing is cut on damage").isEqualTo(flippedCopy(intact, at));
            storage.put(last, intact);
        }
    }

    private static byte[] flippedCopy(byte[] content, long at) {
        byte[] copy = content.clone();
        copy[(int) at] ^= 0x10;
        return copy;
    }

    @Test
    void aFlippedPayloadByteInTheFinalRecordCountsAsTorn() throws Exception {
        List<byte[]> written = writeRecords(6);
        byte[] content = storage.read(FIRST);
        storage.put(FIRST, flipped(FIRST, content.length - 1));
        SegmentedLog.Opened opened = open();
        assertThat(payloads(opened)).containsExactlyElementsOf(written.subList(0, 5));
        assertThat(opened.tornTail().orElseThrow().reason()).contains("checksum mismatch");
    }

    @Test
    void aMiddleRecordWhoseLengthNowReachesPastTheEndIsNotMistakenForATornTail() throws Exception {
        try (SegmentedLog log = open().log()) {
            for (int i = 0; i < 5; i++) {
                log.append(payload(i, 10));
            }
            log.sync();
        }
        byte[] damaged = storage.read(FIRST);
        LogRecords.writeInt(damaged, 18, 500);
        storage.put(FIRST, damaged);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.offset()).isEqualTo(18);
            assertThat(e.reason()).contains("followed by an intact record at byte 36");
        });
    }

    @Test
    void anIntactRecordWrittenToTheWrongPlaceFailsItsChecksum() throws Exception {
        try (SegmentedLog log = open().log()) {
            for (int i = 0; i < 20; i++) {
                log.append(payload(i, 10));
            }
            log.sync();
        }
        byte[] first = storage.read(FIRST);
        byte[] second = storage.read(SECOND);
        System.arraycopy(first, 0, second, 18, 18);
        storage.put(SECOND, second);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.fileName()).isEqualTo(SECOND);
            assertThat(e.offset()).isEqualTo(18);
        });

        System.arraycopy(first, 36, first, 18, 18);
        storage.put(FIRST, first);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.fileName()).isEqualTo(FIRST);
            assertThat(e.offset()).isEqualTo(18);
        });
    }

    @Test
    void damageInASegmentThatIsNotTheLastThrows() throws Exception {
        writeRecords(30);
        byte[] first = storage.read(FIRST);
        storage.put(FIRST, Arrays.copyOf(first, first.length - 1));
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class,
                e -> assertThat(e.fileName()).isEqualTo(FIRST));

        storage.put(FIRST, flippedCopy(first, first.length - 1));
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class,
                e -> assertThat(e.reason()).contains("not the last"));
    }

    @Test
    void anImpossibleLengthFollowedByDataThrows() throws Exception {
        writeRecords(2);
        byte[] content = storage.read(FIRST);
        byte[] damaged = Arrays.copyOf(content, content.length + 20);
        LogRecords.writeInt(damaged, content.length, RECORD_BYTES_MAX + 1);
        damaged[damaged.length - 1] = 7;
        storage.put(FIRST, damaged);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.offset()).isEqualTo(content.length);
            assertThat(e.reason()).contains("impossible record length 1001");
        });
    }

    @Test
    void aMissingSegmentThrowsNamingTheSegmentAfterTheGap() throws Exception {
        writeRecords(30);
        String third = SegmentedLog.segmentName(3);
        storage.delete(SECOND);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.fileName()).isEqualTo(third);
            assertThat(e.offset()).isZero();
            assertThat(e.reason()).contains(SECOND + " is missing");
        });
    }

    @Test
    void anEmptySegmentBeforeTheLastThrows() throws Exception {
        writeRecords(30);
        storage.put(SECOND, new byte[0]);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class,
                e -> assertThat(e.fileName()).isEqualTo(SECOND));
    }

    @Test
    void otherFilesAreIgnoredButABadlyNamedSegmentThrows() throws Exception {
        List<byte[]> written = writeRecords(3);
        storage.put("checkpoint-00000000000000000005.ckpt", new byte[] {1, 2});
        storage.put("replica-id", new byte[] {3});
        storage.put("log-notes.txt", new byte[] {4});
        assertThat(payloads(open())).containsExactlyElementsOf(written);

        storage.put("log-12.seg", new byte[0]);
        assertThatThrownBy(this::open).isInstanceOfSatisfying(CorruptLogException.class, e -> {
            assertThat(e.fileName()).isEqualTo("log-12.seg");
            assertThat(e.position()).isEmpty();
        });
    }

    @Test
    void retentionDeletesOlderSegmentsOneDurableDeletionAtATime() throws Exception {
        List<SegmentedLog.Position> positions = new ArrayList<>();
        List<byte[]> written = new ArrayList<>();
        try (SegmentedLog log = open().log()) {
            for (int i = 0; i < 40; i++) {
                written.add(payload(i, 30));
                positions.add(log.append(written.get(i)));
            }
            log.sync();
            long keepFrom = positions.get(20).segmentIndex();
            storage.operations.clear();
            log.deleteSegmentsBefore(keepFrom);
            List<String> expected = new ArrayList<>();
            for (long index = 1; index < keepFrom; index++) {
                expected.add("delete " + SegmentedLog.segmentName(index));
                expected.add("syncDirectory");
            }
            assertThat(storage.operations).containsExactlyElementsOf(expected);
            assertThat(log.bytes()).isEqualTo(totalBytes());
            assertThatThrownBy(() -> log.deleteSegmentsBefore(log.segmentIndex() + 1))
                    .isInstanceOf(IllegalArgumentException.class);
            log.deleteSegmentsBefore(keepFrom);
        }
        int firstKept = 0;
        while (positions.get(firstKept).segmentIndex() < positions.get(20).segmentIndex()) {
            firstKept++;
        }
        assertThat(payloads(open())).containsExactlyElementsOf(written.subList(firstKept, 40));
    }

    @Test
    void deleteFromDropsACorruptRecordAndEverythingAfterSoTheLogCanBeRefilled() throws Exception {
        List<byte[]> written = writeRecords(30);
        List<SegmentedLog.Entry> entries = open().entries();
        SegmentedLog.Position bad = entries.get(10).position();
        String name = SegmentedLog.segmentName(bad.segmentIndex());
        storage.put(name, flipped(name, bad.offset() + LogRecords.HEADER_BYTES));
        CorruptLogException corrupt = org.junit.jupiter.api.Assertions.assertThrows(CorruptLogException.class, this::open);

        SegmentedLog.deleteFrom(storage, corrupt.position().orElseThrow());

        try (SegmentedLog log = open().log()) {
            assertThat(log.segmentIndex()).isEqualTo(bad.segmentIndex());
            log.append(payload(77, 3));
            log.sync();
        }
        List<byte[]> expected = new ArrayList<>(written.subList(0, 10));
        expected.add(payload(77, 3));
        assertThat(payloads(open())).containsExactlyElementsOf(expected);
    }

    @Test
    void afterAFailedWriteTheLogRefusesFurtherUse() throws Exception {
        SegmentedLog log = open().log();
        storage.failure = new IOException("disk on fire");
        assertThatThrownBy(() -> log.append(payload(0, 4))).isSameAs(storage.failure);
        storage.failure = null;
        assertThatThrownBy(log::sync).isInstanceOf(IllegalStateException.class).hasMessageContaining("disk on fire");
        log.close();
        assertThatThrownBy(() -> log.append(payload(1, 4))).isInstanceOf(IllegalStateException.class);
    }
}
