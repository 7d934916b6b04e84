package io.phalanx.sim.disk;

import io.phalanx.core.storage.CorruptLogException;
import io.phalanx.core.storage.SegmentedLog;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The segmented log over the simulated disk, driven by random appends, syncs, retention and
 * crashes (and, in the second property, latent corruptions and misdirected writes).
 *
 * <p>Crashes alone never make the log unreadable, and after every reopen the records found are
 * exactly the first k appended, at the positions they were appended at, with k at least the number
 * whose append was followed by a completed sync: nothing durable is lost, nothing that was never
 * appended appears, nothing is reordered. With corruption too, the log either refuses to open
 * naming the damage (and then opens, after {@code deleteFrom} that position, with exactly the
 * records before it), or opens with a prefix of what was appended — and if that prefix is missing
 * synced records, the loss was reported as a torn tail.
 */
class SegmentedLogCrashPropertiesTest {
    private static final int RECORD_BYTES_MAX = 300;

    sealed interface Op {
    }

    record Append(int bytes) implements Op {
    }

    record Sync() implements Op {
    }

    record Crash() implements Op {
    }

    /** Deletes every segment older than the {@code keep}-th before the current one. */
    record DeleteOldSegments(int keep) implements Op {
    }

    /** Flips a byte: file and offset are chosen from what exists when the op runs. */
    record Corrupt(int fileChoice, int offsetChoice) implements Op {
    }

    record Misdirect() implements Op {
    }

    @Provide
    Arbitrary<List<Op>> crashOps() {
        return Arbitraries.frequencyOf(List.of(
                        weighted(12, Arbitraries.integers().between(0, RECORD_BYTES_MAX).map(Append::new)),
                        weighted(4, Arbitraries.just(new Sync())),
                        weighted(2, Arbitraries.just(new Crash())),
                        weighted(1, Arbitraries.integers().between(0, 3).map(DeleteOldSegments::new))))
                .list().ofMaxSize(150);
    }

    @Provide
    Arbitrary<List<Op>> faultyOps() {
        return Arbitraries.frequencyOf(List.of(
                        weighted(12, Arbitraries.integers().between(0, RECORD_BYTES_MAX).map(Append::new)),
                        weighted(4, Arbitraries.just(new Sync())),
                        weighted(2, Arbitraries.just(new Crash())),
                        weighted(1, Arbitraries.integers().between(0, 3).map(DeleteOldSegments::new)),
                        weighted(1, Arbitraries.integers().greaterOrEqual(0).tuple2()
                                .map(t -> new Corrupt(t.get1(), t.get2()))),
                        weighted(1, Arbitraries.just(new Misdirect()))))
                .list().ofMaxSize(150);
    }

    private static Tuple.Tuple2<Integer, Arbitrary<Op>> weighted(int weight, Arbitrary<? extends Op> ops) {
        return Tuple.of(weight, ops.map(op -> (Op) op));
    }

    @Property(tries = 300)
    void crashesNeverLoseSyncedRecordsNorInventOrReorderAny(
            @ForAll long seed, @ForAll @IntRange(min = 40, max = 400) int segmentBytesMax,
            @ForAll("crashOps") List<Op> ops) throws Exception {
        Run run = new Run(new SimulatedDisk(new SplittableRandom(seed), SimulatedDisk.Faults.DEFAULT), segmentBytesMax);
        for (Op op : ops) {
            run.apply(op);
            assertThat(run.corruption).as("a crash alone never corrupts the log").isNull();
        }
        run.apply(new Crash());
        Statistics.label("torn tail cut").collect(run.tornTailsCut > 0);
        Statistics.label("segments").collect(run.log.segmentIndex() > 3 ? "more than 3" : "up to 3");
    }

    @Property(tries = 300)
    void damageIsReportedOrRepairableAndNeverSilent(
            @ForAll long seed, @ForAll @IntRange(min = 40, max = 400) int segmentBytesMax,
            @ForAll("faultyOps") List<Op> ops) throws Exception {
        Run run = new Run(new SimulatedDisk(new SplittableRandom(seed), SimulatedDisk.Faults.DEFAULT), segmentBytesMax);
        for (Op op : ops) {
            run.apply(op);
        }
        run.apply(new Crash());
        Statistics.label("outcome").collect(run.corruptionsRepaired > 0 ? "corruption repaired"
                : run.tornTailsCut > 0 ? "torn tail cut" : "clean");
    }

    @Test
    void aWipedDiskReopensAsAnEmptyUsableLog() throws Exception {
        SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(7), SimulatedDisk.Faults.DEFAULT);
        Run run = new Run(disk, 100);
        for (int i = 0; i < 20; i++) {
            run.apply(new Append(30));
        }
        run.apply(new Sync());
        disk.wipe();
        SegmentedLog.Opened opened = SegmentedLog.open(disk, 100, RECORD_BYTES_MAX);
        assertThat(opened.entries()).isEmpty();
        assertThat(opened.log().segmentIndex()).isEqualTo(1);
        opened.log().append(new byte[] {1});
        opened.log().sync();
        disk.crash();
        assertThat(SegmentedLog.open(disk, 100, RECORD_BYTES_MAX).entries()).hasSize(1);
    }

    /** A log under test, and the model of what it must hold. */
    private static final class Run {
        private final SimulatedDisk disk;
        private final int segmentBytesMax;
        private final List<SegmentedLog.Entry> appended = new ArrayList<>();
        private int synced;
        private int sequence;
        private SegmentedLog log;
        private CorruptLogException corruption;
        private int tornTailsCut;
        private int corruptionsRepaired;

        Run(SimulatedDisk disk, int segmentBytesMax) throws Exception {
            this.disk = disk;
            this.segmentBytesMax = segmentBytesMax;
            reopen();
        }

        void apply(Op op) throws Exception {
            if (op instanceof Append a) {
                byte[] payload = payload(sequence++, a.bytes());
                long segmentBefore = log.segmentIndex();
                SegmentedLog.Position position = log.append(payload);
                if (position.segmentIndex() != segmentBefore) {
                    synced = appended.size(); // the log syncs a segment before starting the next
                }
                appended.add(new SegmentedLog.Entry(position, payload));
            } else if (op instanceof Sync) {
                log.sync();
                synced = appended.size();
            } else if (op instanceof Crash) {
                disk.crash();
                reopen();
            } else if (op instanceof DeleteOldSegments d) {
                deleteOldSegments(d.keep());
            } else if (op instanceof Corrupt c) {
                corrupt(c);
            } else if (op instanceof Misdirect) {
                disk.misdirectNextWrite();
            } else {
                throw new IllegalArgumentException("unknown op " + op);
            }
        }

        /** Unique per append (the sequence number leads), so a record from elsewhere cannot pass for it. */
        private static byte[] payload(int sequence, int bytes) {
            byte[] payload = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                payload[i] = i < 4 ? (byte) (sequence >>> (24 - 8 * i)) : (byte) (sequence * 7 + i);
            }
            return payload;
        }

        private void deleteOldSegments(int keep) throws IOException {
            long before = Math.max(1, log.segmentIndex() - keep);
            log.deleteSegmentsBefore(before);
            int removed = 0;
            while (removed < appended.size() && appended.get(removed).position().segmentIndex() < before) {
                removed++;
            }
            assertThat(removed).as("only synced segments are deleted").isLessThanOrEqualTo(synced);
            appended.subList(0, removed).clear();
            synced -= removed;
        }

        private void corrupt(Corrupt c) throws IOException {
            List<String> nonEmpty = new ArrayList<>();
            for (String name : disk.list()) {
                if (disk.read(name).length > 0) {
                    nonEmpty.add(name);
                }
            }
            if (!nonEmpty.isEmpty()) {
                String name = nonEmpty.get(c.fileChoice() % nonEmpty.size());
                disk.corrupt(name, c.offsetChoice() % disk.read(name).length);
            }
        }

        private void reopen() throws Exception {
            SegmentedLog.Opened opened;
            boolean repaired = false;
            try {
                opened = SegmentedLog.open(disk, segmentBytesMax, RECORD_BYTES_MAX);
            } catch (CorruptLogException e) {
                corruption = e;
                opened = repair(e);
                repaired = true;
            }
            List<SegmentedLog.Entry> found = opened.entries();
            assertThat(found.size()).as("found no more than was appended").isLessThanOrEqualTo(appended.size());
            for (int i = 0; i < found.size(); i++) {
                assertThat(found.get(i).position()).as("record " + i).isEqualTo(appended.get(i).position());
                assertThat(found.get(i).payload()).as("record " + i).isEqualTo(appended.get(i).payload());
            }
            if (found.size() < synced) {
                assertThat(repaired || opened.tornTail().isPresent()).as("synced records lost without a report").isTrue();
            }
            tornTailsCut += opened.tornTail().isPresent() ? 1 : 0;
            appended.subList(found.size(), appended.size()).clear();
            synced = found.size();
            log = opened.log();
            assertThat(log.bytes()).isEqualTo(bytesOnDisk());
        }

        /** What an operator does: drop the damage and what follows; the rest must then open cleanly. */
        private SegmentedLog.Opened repair(CorruptLogException e) throws Exception {
            SegmentedLog.Position from = e.position().orElseThrow();
            SegmentedLog.deleteFrom(disk, from);
            corruptionsRepaired++;
            SegmentedLog.Opened opened = SegmentedLog.open(disk, segmentBytesMax, RECORD_BYTES_MAX);
            assertThat(opened.tornTail()).isEqualTo(Optional.empty());
            int before = 0;
            while (before < appended.size() && isBefore(appended.get(before).position(), from)) {
                before++;
            }
            assertThat(opened.entries()).as("every record before the damage").hasSize(before);
            return opened;
        }

        private static boolean isBefore(SegmentedLog.Position a, SegmentedLog.Position b) {
            return a.segmentIndex() < b.segmentIndex() || a.segmentIndex() == b.segmentIndex() && a.offset() < b.offset();
        }

        private long bytesOnDisk() throws IOException {
            long total = 0;
            for (String name : disk.list()) {
                total += disk.read(name).length;
            }
            return total;
        }
    }
}
