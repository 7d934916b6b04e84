package io.phalanx.sim.disk;

import io.phalanx.core.storage.Storage;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * An in-memory {@link Storage} that fails the way disks and file systems do, deterministically:
 * every random choice comes from the injected generator, in an order fixed by the calls made.
 *
 * <p>Fault model (in the manner of TigerBeetle's {@code src/testing/storage.zig}). Each fault is
 * injected by a call, so a test or the simulator decides when; the disk decides the details.
 * <ul>
 * <li>{@link #crash()} — power loss. Every file reverts to its content at its last sync (or
 * truncate). Then, with probability {@link Faults#tornWriteProbability}, the first write made
 * since that sync survives in part: a prefix of 1 to all of its bytes, and if not all, then with
 * probability 1/2 the rest of it as zero bytes (the new size reached the disk, the data did not).
 * Later unsynced writes are always lost. Each creation and deletion not yet made durable by
 * {@link #syncDirectory()} survives independently with probability
 * {@link Faults#directoryChangeSurvivalProbability}, in any combination, so a crash may undo an
 * older one and keep a newer one. {@link #writeAtomically} is atomic and durable on return, as
 * its contract says. File handles opened before the crash fail from then on.</li>
 * <li>{@link #corrupt(String, long)} — a latent sector error: one byte XORed with a random
 * non-zero value, synced or not, and it stays across crashes.</li>
 * <li>{@link #misdirectNextWrite()} — the next {@link AppendFile#write} (of any file) goes to the
 * wrong place: its bytes overwrite a random file (possibly the same one) from a random offset,
 * clipped at that file's end (a misdirected write changes no file size); where they belonged the
 * file grows by as many zero bytes, as an ordinary unsynced write. Bytes that land in a synced
 * part are durable at once: the device did write them, just not where asked.
 * {@link #misdirectNextWrite(String, long)} names the place. A crash or wipe disarms it.</li>
 * <li>{@link #wipe()} — the disk is replaced by an empty one; open handles fail.</li>
 * </ul>
 * Everything not listed is reliable: reads return what is there, syncs and truncations are durable
 * on return, and nothing is lost without a crash. {@link #faults()} counts what fired.
 *
 * <p>Not thread-safe, like the simulator that drives it.
 */
public final class SimulatedDisk implements Storage {
    /**
     * Probabilities that a crash keeps part of an unsynced write, and keeps an unsynced directory change.
     *
     * @param tornWriteProbability               chance that a crash keeps a prefix of an unsynced write
     * @param directoryChangeSurvivalProbability chance that a crash keeps an unsynced creation or deletion
     */
    public record Faults(double tornWriteProbability, double directoryChangeSurvivalProbability) {
        /** Even odds for both. */
        public static final Faults DEFAULT = new Faults(0.5, 0.5);

        /**
         * Checks that both are probabilities.
         *
         * @param tornWriteProbability               within 0..1
         * @param directoryChangeSurvivalProbability within 0..1
         * @throws IllegalArgumentException if one is outside 0..1 (or NaN)
         */
        public Faults {
            if (!(tornWriteProbability >= 0 && tornWriteProbability <= 1)) {
                throw new IllegalArgumentException("tornWriteProbability not in [0, 1]: " + tornWriteProbability);
            }
            if (!(directoryChangeSurvivalProbability >= 0 && directoryChangeSurvivalProbability <= 1)) {
                throw new IllegalArgumentException("directoryChangeSurvivalProbability not in [0, 1]: "
                        + directoryChangeSurvivalProbability);
            }
        }
    }

    /**
     * How many of each fault fired. Writes and directory changes lost are counted for the files
     * reachable before or after the crash; a torn write is one whose prefix survived.
     *
     * @param crashes              crashes
     * @param unsyncedWritesLost   unsynced writes a crash lost, whole or in part
     * @param tornWrites           unsynced writes of which a crash kept a prefix
     * @param directoryChangesLost unsynced creations and deletions a crash undid
     * @param corruptions          bytes flipped by {@link #corrupt}
     * @param misdirectedWrites    writes that landed elsewhere
     * @param wipes                disks replaced by empty ones
     */
    public record FaultCounts(int crashes, long unsyncedWritesLost, int tornWrites, int directoryChangesLost,
                              int corruptions, int misdirectedWrites, int wipes) {
    }

    /** A creation or deletion of {@code name} not yet made durable. */
    private record DirectoryChange(String name, SimulatedFile createdFile) {
    }

    /** Where the next write goes instead; {@code name} null means a random place. */
    private record Misdirection(String name, long offset) {
    }

    private final RandomGenerator random;
    private final Faults faultsConfig;
    private TreeMap<String, SimulatedFile> live = new TreeMap<>();
    private TreeMap<String, SimulatedFile> durable = new TreeMap<>();
    private final List<DirectoryChange> unsyncedChanges = new ArrayList<>();
    /** Bumped by crashes and wipes; a handle from an older generation fails. */
    private int generation;
    private Misdirection misdirection;
    private int crashes;
    private long unsyncedWritesLost;
    private int tornWrites;
    private int directoryChangesLost;
    private int corruptions;
    private int misdirectedWrites;
    private int wipes;

    /**
     * An empty disk.
     *
     * @param random the source of every fault's randomness
     * @param faults what a crash keeps of unsynced data
     */
    public SimulatedDisk(RandomGenerator random, Faults faults) {
        this.random = random;
        this.faultsConfig = faults;
    }

    @Override
    public List<String> list() {
        return new ArrayList<>(live.keySet());
    }

    @Override
    public AppendFile append(String name) {
        SimulatedFile file = live.get(name);
        if (file == null) {
            file = new SimulatedFile();
            live.put(name, file);
            unsyncedChanges.add(new DirectoryChange(name, file));
        }
        return new Handle(file, generation);
    }

    @Override
    public byte[] read(String name) throws IOException {
        return existing(name).content();
    }

    @Override
    public void writeAtomically(String name, byte[] content) {
        SimulatedFile file = new SimulatedFile();
        file.append(content, 0, content.length);
        file.sync();
        live.put(name, file);
        durable.put(name, file);
        unsyncedChanges.removeIf(change -> change.name().equals(name));
    }

    @Override
    public void truncate(String name, long size) throws IOException {
        existing(name).truncate(size);
    }

    @Override
    public void delete(String name) {
        if (live.remove(name) != null) {
            unsyncedChanges.add(new DirectoryChange(name, null));
        }
    }

    @Override
    public void syncDirectory() {
        durable = new TreeMap<>(live);
        unsyncedChanges.clear();
    }

    private SimulatedFile existing(String name) throws NoSuchFileException {
        SimulatedFile file = live.get(name);
        if (file == null) {
            throw new NoSuchFileException(name);
        }
        return file;
    }

    /** Power loss; see the class comment for what survives. */
    public void crash() {
        crashes++;
        generation++;
        misdirection = null;
        TreeMap<String, SimulatedFile> survivors = new TreeMap<>(durable);
        for (DirectoryChange change : unsyncedChanges) {
            if (random.nextDouble() >= faultsConfig.directoryChangeSurvivalProbability()) {
                directoryChangesLost++;
            } else if (change.createdFile() == null) {
                survivors.remove(change.name());
            } else {
                survivors.put(change.name(), change.createdFile());
            }
        }
        unsyncedChanges.clear();
        Set<SimulatedFile> lostWithTheirFile = Collections.newSetFromMap(new IdentityHashMap<>());
        lostWithTheirFile.addAll(live.values());
        for (SimulatedFile file : survivors.values()) {
            lostWithTheirFile.remove(file);
            crash(file);
        }
        for (SimulatedFile file : lostWithTheirFile) {
            unsyncedWritesLost += file.unsyncedWrites();
        }
        live = survivors;
        durable = new TreeMap<>(survivors);
    }

    private void crash(SimulatedFile file) {
        int first = file.firstUnsyncedWriteBytes();
        long lost = file.unsyncedWrites();
        if (first > 0 && random.nextDouble() < faultsConfig.tornWriteProbability()) {
            int kept = 1 + random.nextInt(first);
            boolean zeroFilled = kept < first && random.nextBoolean();
            file.keepFirstUnsyncedWrite(kept, zeroFilled);
            tornWrites++;
            lost--;
        } else {
            file.revertToSynced();
        }
        unsyncedWritesLost += lost;
    }

    /**
     * A latent sector error at {@code offset} of {@code name}: the byte there flips.
     *
     * @param name   the file to damage
     * @param offset the byte to flip, within the file
     * @throws IOException a {@link java.nio.file.NoSuchFileException} if there is no such file
     */
    public void corrupt(String name, long offset) throws IOException {
        SimulatedFile file = existing(name);
        if (offset < 0 || offset >= file.size()) {
            throw new IllegalArgumentException("offset " + offset + " outside " + name + " (" + file.size() + " bytes)");
        }
        file.flip((int) offset, 1 + random.nextInt(255));
        corruptions++;
    }

    /** The next write lands at a random offset of a random file instead of where it belongs. */
    public void misdirectNextWrite() {
        misdirection = new Misdirection(null, 0);
    }

    /**
     * The next write lands at {@code offset} of {@code name} instead of where it belongs.
     *
     * @param name   the file it lands in
     * @param offset where in that file, at least 0
     */
    public void misdirectNextWrite(String name, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        misdirection = new Misdirection(name, offset);
    }

    /** The disk is replaced by an empty one. */
    public void wipe() {
        wipes++;
        generation++;
        misdirection = null;
        live.clear();
        durable.clear();
        unsyncedChanges.clear();
    }

    /**
     * How many of each fault fired so far.
     *
     * @return the counts
     */
    public FaultCounts faults() {
        return new FaultCounts(crashes, unsyncedWritesLost, tornWrites, directoryChangesLost, corruptions,
                misdirectedWrites, wipes);
    }

    private void write(SimulatedFile file, byte[] data, int offset, int length) {
        if (misdirection == null || length == 0) {
            file.append(data, offset, length);
            return;
        }
        Misdirection where = misdirection;
        misdirection = null;
        misdirectedWrites++;
        SimulatedFile target = where.name() == null ? randomFile() : live.get(where.name());
        if (target != null) {
            long at = where.name() == null ? random.nextLong(target.size() + 1) : where.offset();
            target.overwrite(at, data, offset, length);
        }
        file.append(new byte[length], 0, length);
    }

    private SimulatedFile randomFile() {
        List<Map.Entry<String, SimulatedFile>> files = new ArrayList<>(live.entrySet());
        return files.isEmpty() ? null : files.get(random.nextInt(files.size())).getValue();
    }

    /** An open file; fails once the disk has crashed or been wiped since it was opened. */
    private final class Handle implements AppendFile {
        private final SimulatedFile file;
        private final int openedInGeneration;
        private boolean closed;

        Handle(SimulatedFile file, int openedInGeneration) {
            this.file = file;
            this.openedInGeneration = openedInGeneration;
        }

        @Override
        public long size() {
            return file.size();
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            java.util.Objects.checkFromIndexSize(offset, length, data.length);
            checkUsable();
            SimulatedDisk.this.write(file, data, offset, length);
        }

        @Override
        public void sync() throws IOException {
            checkUsable();
            file.sync();
        }

        @Override
        public void close() {
            closed = true;
        }

        private void checkUsable() throws IOException {
            if (closed) {
                throw new IOException("file handle is closed");
            }
            if (openedInGeneration != generation) {
                throw new IOException("file handle opened before the disk crashed or was wiped");
            }
        }
    }
}
