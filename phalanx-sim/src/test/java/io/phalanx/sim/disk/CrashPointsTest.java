package io.phalanx.sim.disk;

import io.phalanx.core.storage.StoredCheckpoints;
import io.phalanx.core.storage.SegmentedLog;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log and the checkpoints crashed at every step that changes the disk — every write, sync,
 * creation, deletion, directory sync — each under several seeds (which unsynced directory changes
 * and partial writes survive). After every crash the log opens without {@code CorruptLogException}
 * and holds a contiguous run of what was appended with nothing synced missing, and the checkpoints
 * hold the newest one whose {@code write} returned, with no damaged file.
 */
class CrashPointsTest {
    private static final int SEEDS = 4;

    /** What the interrupted scenario had done; read after the crash. */
    private static final class LogProgress {
        final List<SegmentedLog.Entry> appended = new ArrayList<>();
        int synced;
        long deleteRequestedBefore = 1;
    }

    private static byte[] payload(int i) {
        byte[] payload = new byte[10 + (i * 7) % 40];
        Arrays.fill(payload, (byte) (i + 1));
        return payload;
    }

    private static void logScenario(CrashingStorage storage, LogProgress progress) throws Exception {
        SegmentedLog log = SegmentedLog.open(storage, 100, 300).log();
        for (int i = 0; i < 40; i++) {
            if (i == 30) {
                progress.deleteRequestedBefore = log.segmentIndex() - 1;
                log.deleteSegmentsBefore(progress.deleteRequestedBefore);
            }
            long segmentBefore = log.segmentIndex();
            SegmentedLog.Position position = log.append(payload(i));
            if (position.segmentIndex() != segmentBefore) {
                progress.synced = progress.appended.size();
            }
            progress.appended.add(new SegmentedLog.Entry(position, payload(i)));
            if (i % 5 == 4) {
                log.sync();
                progress.synced = progress.appended.size();
            }
        }
    }

    @Test
    void theLogSurvivesACrashAtEveryStep() throws Exception {
        int steps = countSteps();
        assertThat(steps).isGreaterThan(60);
        for (int crashAt = 0; crashAt < steps; crashAt++) {
            for (long seed = 0; seed < SEEDS; seed++) {
                SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(seed), SimulatedDisk.Faults.DEFAULT);
                LogProgress progress = new LogProgress();
                try {
                    logScenario(new CrashingStorage(disk, crashAt), progress);
                } catch (CrashingStorage.Crashed expected) {
                    // the point of the exercise
                }
                checkRecovered(disk, progress, "crash at step " + crashAt + ", seed " + seed);
            }
        }
    }

    private static int countSteps() throws Exception {
        CrashingStorage counting = new CrashingStorage(
                new SimulatedDisk(new SplittableRandom(0), SimulatedDisk.Faults.DEFAULT), -1);
        logScenario(counting, new LogProgress());
        return counting.calls();
    }

    private static void checkRecovered(SimulatedDisk disk, LogProgress progress, String label) throws Exception {
        SegmentedLog.Opened opened = SegmentedLog.open(disk, 100, 300);
        List<SegmentedLog.Entry> found = opened.entries();
        List<SegmentedLog.Entry> appended = progress.appended;
        int start = found.isEmpty() ? firstNotDeletable(progress) : indexOf(appended, found.get(0).position());
        assertThat(start).as(label + ": found starts at a known record").isNotNegative();
        assertThat(start).as(label + ": only deletable segments are gone").isLessThanOrEqualTo(firstNotDeletable(progress));
        for (int i = 0; i < found.size(); i++) {
            assertThat(found.get(i).position()).as(label).isEqualTo(appended.get(start + i).position());
            assertThat(found.get(i).payload()).as(label).isEqualTo(appended.get(start + i).payload());
        }
        assertThat(start + found.size()).as(label + ": every synced record is there").isGreaterThanOrEqualTo(progress.synced);

        try (SegmentedLog log = opened.log()) {
            log.append(new byte[] {42});
            log.sync();
        }
        List<SegmentedLog.Entry> again = SegmentedLog.open(disk, 100, 300).entries();
        assertThat(again).as(label + ": the recovered log takes appends").hasSize(found.size() + 1);
    }

    private static int firstNotDeletable(LogProgress progress) {
        int i = 0;
        while (i < progress.appended.size()
                && progress.appended.get(i).position().segmentIndex() < progress.deleteRequestedBefore) {
            i++;
        }
        return i;
    }

    private static int indexOf(List<SegmentedLog.Entry> entries, SegmentedLog.Position position) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).position().equals(position)) {
                return i;
            }
        }
        return -1;
    }

    /** What the interrupted checkpoint scenario had done. */
    private static final class CheckpointProgress {
        final List<Long> written = new ArrayList<>();
        final Set<Long> deletedForSure = new HashSet<>();
    }

    private static byte[] checkpoint(long consensusId) {
        byte[] content = new byte[(int) consensusId];
        Arrays.fill(content, (byte) consensusId);
        return content;
    }

    private static void checkpointScenario(CrashingStorage storage, CheckpointProgress progress) throws Exception {
        StoredCheckpoints checkpoints = new StoredCheckpoints(storage);
        for (long id = 10; id <= 60; id += 10) {
            checkpoints.write(id, checkpoint(id));
            progress.written.add(id);
            if (id % 20 == 0) {
                List<Long> before = checkpoints.consensusIds();
                checkpoints.retain(2);
                progress.deletedForSure.addAll(before.subList(0, Math.max(0, before.size() - 2)));
            }
        }
    }

    @Test
    void checkpointsSurviveACrashAtEveryStep() throws Exception {
        CrashingStorage counting = new CrashingStorage(
                new SimulatedDisk(new SplittableRandom(0), SimulatedDisk.Faults.DEFAULT), -1);
        checkpointScenario(counting, new CheckpointProgress());
        for (int crashAt = 0; crashAt < counting.calls(); crashAt++) {
            for (long seed = 0; seed < SEEDS; seed++) {
                SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(seed), SimulatedDisk.Faults.DEFAULT);
                CheckpointProgress progress = new CheckpointProgress();
                try {
                    checkpointScenario(new CrashingStorage(disk, crashAt), progress);
                } catch (CrashingStorage.Crashed expected) {
                    // the point of the exercise
                }
                String label = "crash at step " + crashAt + ", seed " + seed;
                StoredCheckpoints checkpoints = new StoredCheckpoints(disk);
                StoredCheckpoints.Latest latest = checkpoints.latest();
                assertThat(latest.damaged()).as(label).isEmpty();
                if (progress.written.isEmpty()) {
                    assertThat(latest.checkpoint()).as(label).isEmpty();
                    continue;
                }
                long newest = progress.written.get(progress.written.size() - 1);
                assertThat(latest.checkpoint().orElseThrow().consensusId()).as(label).isEqualTo(newest);
                assertThat(latest.checkpoint().orElseThrow().content()).as(label).isEqualTo(checkpoint(newest));
                assertThat(progress.written).as(label).containsAll(checkpoints.consensusIds());
                for (long deleted : progress.deletedForSure) {
                    assertThat(checkpoints.consensusIds()).as(label).doesNotContain(deleted);
                }
            }
        }
    }

    @Test
    void aMisdirectedLogWriteIntoACheckpointIsReportedAndTheOlderOneUsed() throws Exception {
        SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(3), SimulatedDisk.Faults.DEFAULT);
        StoredCheckpoints checkpoints = new StoredCheckpoints(disk);
        checkpoints.write(10, checkpoint(10));
        checkpoints.write(20, checkpoint(20));
        try (SegmentedLog log = SegmentedLog.open(disk, 1000, 100).log()) {
            disk.misdirectNextWrite(StoredCheckpoints.fileName(20), 30);
            log.append(new byte[] {1, 2, 3});
            log.sync();
        }
        StoredCheckpoints.Latest latest = checkpoints.latest();
        assertThat(latest.checkpoint().orElseThrow().consensusId()).isEqualTo(10);
        assertThat(latest.damaged()).extracting(StoredCheckpoints.Damaged::fileName)
                .containsExactly(StoredCheckpoints.fileName(20));
        SegmentedLog.Opened reopened = SegmentedLog.open(disk, 1000, 100);
        assertThat(reopened.entries()).isEmpty();
        assertThat(reopened.tornTail()).as("the zeros where the record belonged are reported").isPresent();
    }

    @Test
    void aLatentErrorInTheNewestCheckpointIsReportedWhereverItHits() throws Exception {
        for (long seed = 0; seed < 20; seed++) {
            SimulatedDisk disk = new SimulatedDisk(new SplittableRandom(seed), SimulatedDisk.Faults.DEFAULT);
            StoredCheckpoints checkpoints = new StoredCheckpoints(disk);
            checkpoints.write(10, checkpoint(10));
            checkpoints.write(20, checkpoint(20));
            String newest = StoredCheckpoints.fileName(20);
            disk.corrupt(newest, new SplittableRandom(seed).nextInt(disk.read(newest).length));
            disk.crash();
            StoredCheckpoints.Latest latest = checkpoints.latest();
            assertThat(latest.checkpoint().orElseThrow().consensusId()).isEqualTo(10);
            assertThat(latest.damaged()).singleElement().extracting(StoredCheckpoints.Damaged::fileName).isEqualTo(newest);
        }
    }
}
