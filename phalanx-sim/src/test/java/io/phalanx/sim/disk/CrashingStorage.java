package io.phalanx.sim.disk;

import io.phalanx.core.storage.Storage;

import java.io.IOException;
import java.util.List;

/**
 * Wraps a {@link SimulatedDisk} to crash it at the {@code crashAt}-th call that changes the disk
 * (counting from 0): that call does not happen, the disk crashes, and the call throws. Running a
 * scenario once per crash point crashes it at every step a real power loss could hit.
 */
final class CrashingStorage implements Storage {
    /** What the interrupted caller sees. */
    static final class Crashed extends IOException {
        Crashed() {
            super("simulated power loss");
        }
    }

    private final SimulatedDisk disk;
    private final int crashAt;
    private int calls;

    CrashingStorage(SimulatedDisk disk, int crashAt) {
        this.disk = disk;
        this.crashAt = crashAt;
    }

    /** How many changing calls were made (or attempted) so far. */
    int calls() {
        return calls;
    }

    private void step() throws Crashed {
        if (calls++ == crashAt) {
            disk.crash();
            throw new Crashed();
        }
    }

    @Override
    public List<String> list() {
        return disk.list();
    }

    @Override
    public AppendFile append(String name) throws IOException {
        step();
        AppendFile file = disk.append(name);
        return new AppendFile() {
            @Override
            public long size() {
                return file.size();
            }

            @Override
            public void write(byte[] data, int offset, int length) throws IOException {
                step();
                file.write(data, offset, length);
            }

            @Override
            public void sync() throws IOException {
                step();
                file.sync();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    @Override
    public byte[] read(String name) throws IOException {
        return disk.read(name);
    }

    @Override
    public void writeAtomically(String name, byte[] content) throws IOException {
        step();
        disk.writeAtomically(name, content);
    }

    @Override
    public void truncate(String name, long size) throws IOException {
        step();
        disk.truncate(name, size);
    }

    @Override
    public void delete(String name) throws IOException {
        step();
        disk.delete(name);
    }

    @Override
    public void syncDirectory() throws IOException {
        step();
        disk.syncDirectory();
    }
}
