package io.phalanx.sim.disk;

import java.util.Arrays;

/**
 * One file of a {@link SimulatedDisk} (an inode: names point to it). Files only grow by appends,
 * so what a crash keeps is a length: {@code syncedSize} bytes are durable, the rest is not. Faults
 * that change bytes in place (corruption, misdirected writes) change the one copy, synced or not.
 */
final class SimulatedFile {
    private byte[] data = new byte[64];
    private int size;
    private int syncedSize;
    /** The length of the first write since the last sync, or 0 if there was none. */
    private int firstUnsyncedWriteBytes;
    private long unsyncedWrites;

    int size() {
        return size;
    }

    int firstUnsyncedWriteBytes() {
        return firstUnsyncedWriteBytes;
    }

    long unsyncedWrites() {
        return unsyncedWrites;
    }

    byte[] content() {
        return Arrays.copyOf(data, size);
    }

    void append(byte[] bytes, int offset, int length) {
        if (length == 0) {
            return;
        }
        if (size > Integer.MAX_VALUE - length) {
            throw new IllegalStateException("simulated file over 2 GiB");
        }
        ensureCapacity(size + length);
        System.arraycopy(bytes, offset, data, size, length);
        if (unsyncedWrites == 0) {
            firstUnsyncedWriteBytes = length;
        }
        unsyncedWrites++;
        size += length;
    }

    private void ensureCapacity(int capacity) {
        if (capacity > data.length) {
            data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE, Math.max(capacity, 2L * data.length)));
        }
    }

    void sync() {
        syncedSize = size;
        firstUnsyncedWriteBytes = 0;
        unsyncedWrites = 0;
    }

    /** Cuts to {@code newSize} bytes (no-op if longer than the file), and everything is durable. */
    void truncate(long newSize) {
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        size = (int) Math.min(size, newSize);
        sync();
    }

    /** A crash that kept no unsynced write. */
    void revertToSynced() {
        size = syncedSize;
        sync();
    }

    /**
     * A crash that kept the first {@code kept} bytes of the first unsynced write and, if
     * {@code zeroFilled}, the rest of that write's length as zero bytes.
     */
    void keepFirstUnsyncedWrite(int kept, boolean zeroFilled) {
        int end = syncedSize + (zeroFilled ? firstUnsyncedWriteBytes : kept);
        Arrays.fill(data, syncedSize + kept, end, (byte) 0);
        size = end;
        sync();
    }

    void flip(int offset, int mask) {
        data[offset] ^= (byte) mask;
    }

    /** Overwrites from {@code at} with as many bytes as fit before the end of the file. */
    void overwrite(long at, byte[] bytes, int offset, int length) {
        if (at >= size) {
            return;
        }
        int fits = (int) Math.min(length, size - at);
        System.arraycopy(bytes, offset, data, (int) at, fits);
    }
}
