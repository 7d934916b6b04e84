package io.phalanx.sim.disk;

import io.phalanx.core.storage.Storage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each fault of {@link SimulatedDisk} does exactly what its class comment says, and nothing else. */
class SimulatedDiskTest {
    private static final byte[] SYNCED = {1, 2, 3};
    private static final byte[] FIRST_UNSYNCED = {4, 5, 6, 7, 8};
    private static final byte[] SECOND_UNSYNCED = {9, 9};

    private static SimulatedDisk disk(long seed, double torn, double directorySurvival) {
        return new SimulatedDisk(new SplittableRandom(seed), new SimulatedDisk.Faults(torn, directorySurvival));
    }

    /** "f" holds SYNCED durably, then FIRST_UNSYNCED and SECOND_UNSYNCED unsynced; creation durable. */
    private static SimulatedDisk withUnsyncedWrites(long seed, double torn) throws IOException {
        SimulatedDisk disk = disk(seed, torn, 0);
        try (Storage.AppendFile file = disk.append("f")) {
            file.write(SYNCED, 0, SYNCED.length);
            file.sync();
            file.write(FIRST_UNSYNCED, 0, FIRST_UNSYNCED.length);
            file.write(SECOND_UNSYNCED, 0, SECOND_UNSYNCED.length);
        }
        disk.syncDirectory();
        return disk;
    }

    @Test
    void aCrashLosesEveryUnsyncedWriteAndKeepsEverySyncedOne() throws Exception {
        SimulatedDisk disk = withUnsyncedWrites(1, 0);
        assertThat(disk.read("f")).hasSize(10);
        disk.crash();
        assertThat(disk.read("f")).containsExactly(SYNCED);
        assertThat(disk.faults()).isEqualTo(new SimulatedDisk.FaultCounts(1, 2, 0, 0, 0, 0, 0));
    }

    @Test
    void aTornWriteKeepsAPrefixOfTheFirstUnsyncedWriteOnlyPerhapsZeroFilled() throws Exception {
        Set<String> shapes = new HashSet<>();
        for (long seed = 0; seed < 200; seed++) {
            SimulatedDisk disk = withUnsyncedWrites(seed, 1);
            disk.crash();
            byte[] after = disk.read("f");
            assertThat(Arrays.copyOf(after, 3)).containsExactly(SYNCED);
            int kept = 0;
            while (3 + kept < after.length && kept < FIRST_UNSYNCED.length && after[3 + kept] == FIRST_UNSYNCED[kept]) {
                kept++;
            }
            assertThat(kept).as("seed " + seed).isPositive();
            boolean zeroFilled = after.length == 3 + FIRST_UNSYNCED.length && kept < FIRST_UNSYNCED.length;
            for (int i = 3 + kept; i < after.length; i++) {
                assertThat(after[i]).as("seed " + seed).isZero();
            }
            assertThat(after.length).isEqualTo(zeroFilled ? 8 : 3 + kept);
            shapes.add(kept == FIRST_UNSYNCED.length ? "whole" : zeroFilled ? "prefix then zeros" : "prefix");
            assertThat(disk.faults().tornWrites()).isEqualTo(1);
            assertThat(disk.faults().unsyncedWritesLost()).isEqualTo(1);
        }
        assertThat(shapes).containsExactlyInAnyOrder("whole", "prefix then zeros", "prefix");
    }

    @Test
    void whatACrashKeptIsDurableAfterIt() throws Exception {
        SimulatedDisk disk = withUnsyncedWrites(3, 1);
        disk.crash();
        byte[] kept = disk.read("f");
        disk.crash();
        assertThat(disk.read("f")).isEqualTo(kept);
    }

    @Test
    void unsyncedCreationsAndDeletionsSurviveIndependently() throws Exception {
        Set<List<String>> outcomes = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            SimulatedDisk disk = disk(seed, 0, 0.5);
            disk.append("old").close();
            disk.syncDirectory();
            disk.append("a").close();
            disk.delete("old");
            disk.append("b").close();
            disk.crash();
            outcomes.add(disk.list());
        }
        assertThat(outcomes).hasSize(8).contains(List.of("b"), List.of("a", "old"), List.of("old"));
    }

    @Test
    void syncDirectoryMakesCreationsAndDeletionsDurable() throws Exception {
        SimulatedDisk disk = disk(1, 0, 0);
        disk.append("gone").close();
        disk.syncDirectory();
        disk.append("kept").close();
        disk.delete("gone");
        disk.syncDirectory();
        disk.append("lost").close();
        disk.crash();
        assertThat(disk.list()).containsExactly("kept");
        assertThat(disk.faults().directoryChangesLost()).isEqualTo(1);
    }

    @Test
    void writeAtomicallyIsDurableOnReturnWhateverWasPendingForTheName() throws Exception {
        SimulatedDisk disk = disk(1, 0, 1);
        disk.writeAtomically("f", new byte[] {1});
        disk.delete("f");
        disk.writeAtomically("f", new byte[] {2});
        disk.append("g").close();
        disk.crash();
        assertThat(disk.read("f")).containsExactly(2);

        SimulatedDisk losesAll = disk(1, 0, 0);
        losesAll.writeAtomically("f", new byte[] {3});
        losesAll.crash();
        assertThat(losesAll.list()).containsExactly("f");
    }

    @Test
    void handlesFailAfterACrashAWipeOrClose() throws Exception {
        SimulatedDisk disk = disk(1, 0, 1);
        Storage.AppendFile beforeCrash = disk.append("f");
        disk.crash();
        assertThatThrownBy(() -> beforeCrash.write(new byte[1], 0, 1)).isInstanceOf(IOException.class);
        assertThatThrownBy(beforeCrash::sync).isInstanceOf(IOException.class);
        Storage.AppendFile beforeWipe = disk.append("f");
        disk.wipe();
        assertThatThrownBy(() -> beforeWipe.write(new byte[1], 0, 1)).isInstanceOf(IOException.class);
        Storage.AppendFile closed = disk.append("f");
        closed.close();
        assertThatThrownBy(closed::sync).isInstanceOf(IOException.class);
    }

    @Test
    void aCorruptionFlipsOneByteForGood() throws Exception {
        SimulatedDisk disk = withUnsyncedWrites(1, 0);
        disk.corrupt("f", 1);
        byte[] after = disk.read("f");
        assertThat(after[1]).isNotEqualTo(SYNCED[1]);
        after[1] = SYNCED[1];
        assertThat(after).startsWith(SYNCED).endsWith(SECOND_UNSYNCED);
        disk.crash();
        assertThat(disk.read("f")[1]).isNotEqualTo(SYNCED[1]);
        assertThat(disk.faults().corruptions()).isEqualTo(1);
        assertThatThrownBy(() -> disk.corrupt("f", 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMisdirectedWriteOverwritesTheNamedPlaceClippedAndLeavesZerosWhereItBelonged() throws Exception {
        SimulatedDisk disk = disk(1, 0, 1);
        disk.writeAtomically("target", new byte[] {1, 1, 1, 1});
        try (Storage.AppendFile file = disk.append("f")) {
            file.write(new byte[] {5}, 0, 1);
            disk.misdirectNextWrite("target", 2);
            file.write(new byte[] {7, 8, 9}, 0, 3);
            file.write(new byte[] {6}, 0, 1);
            file.sync();
        }
        assertThat(disk.read("target")).containsExactly(1, 1, 7, 8);
        assertThat(disk.read("f")).containsExactly(5, 0, 0, 0, 6);
        assertThat(disk.faults().misdirectedWrites()).isEqualTo(1);
        disk.crash();
        assertThat(disk.read("target")).as("landed in the synced part: durable").containsExactly(1, 1, 7, 8);
    }

    @Test
    void aRandomMisdirectionIsReproducibleFromTheSeed() throws Exception {
        assertThat(misdirectedState(42)).isEqualTo(misdirectedState(42));
    }

    private static List<String> misdirectedState(long seed) throws IOException {
        SimulatedDisk disk = disk(seed, 0.5, 0.5);
        for (String name : List.of("a", "b", "c")) {
            disk.writeAtomically(name, new byte[32]);
        }
        try (Storage.AppendFile file = disk.append("a")) {
            disk.misdirectNextWrite();
            file.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, 8);
        }
        disk.crash();
        return disk.list().stream().map(name -> {
            try {
                return name + Arrays.toString(disk.read(name));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    @Test
    void aWipeLeavesAnEmptyDisk() throws Exception {
        SimulatedDisk disk = withUnsyncedWrites(1, 0);
        disk.wipe();
        assertThat(disk.list()).isEmpty();
        disk.crash();
        assertThat(disk.list()).isEmpty();
        assertThat(disk.faults().wipes()).isEqualTo(1);
    }

    @Test
    void truncateIsDurableAndMissingFilesAreErrors() throws Exception {
        SimulatedDisk disk = withUnsyncedWrites(1, 0);
        disk.truncate("f", 4);
        disk.crash();
        assertThat(disk.read("f")).containsExactly(1, 2, 3, 4);
        assertThatThrownBy(() -> disk.read("nope")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> disk.truncate("nope", 0)).isInstanceOf(NoSuchFileException.class);
    }
}
