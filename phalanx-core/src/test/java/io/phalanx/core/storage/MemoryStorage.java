package io.phalanx.core.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * A fault-free in-memory {@link Storage} for the core's tests (the faulty one, {@code SimulatedDisk},
 * lives in phalanx-sim, which depends on this module). Tests damage files directly with
 * {@link #put}, and read {@link #operations} to check the order of syncs and directory changes.
 */
public class MemoryStorage implements Storage {
    private final TreeMap<String, byte[]> files = new TreeMap<>();
    /** Every mutating call, in order: "create X", "write X", "sync X", "syncDirectory", "delete X", ... */
    final List<String> operations = new ArrayList<>();
    /** When set, every write and sync fails with it, as a dying disk would. */
    IOException failure;

    /** Replaces {@code name}'s content as a fault would, without recording an operation. */
    public void put(String name, byte[] content) {
        files.put(name, content.clone());
    }

    @Override
    public List<String> list() {
        return new ArrayList<>(files.keySet());
    }

    @Override
    public AppendFile append(String name) {
        if (!files.containsKey(name)) {
            files.put(name, new byte[0]);
            operations.add("create " + name);
        }
        return new AppendFile() {
            @Override
            public long size() {
                return files.get(name).length;
            }

            @Override
            public void write(byte[] data, int offset, int length) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                byte[] old = files.get(name);
                byte[] grown = Arrays.copyOf(old, old.length + length);
                System.arraycopy(data, offset, grown, old.length, length);
                files.put(name, grown);
                operations.add("write " + name);
            }

            @Override
            public void sync() throws IOException {
                if (failure != null) {
                    throw failure;
                }
                operations.add("sync " + name);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public byte[] read(String name) throws IOException {
        byte[] content = files.get(name);
        if (content == null) {
            throw new IOException("no file " + name);
        }
        return content.clone();
    }

    @Override
    public void writeAtomically(String name, byte[] content) {
        files.put(name, content.clone());
        operations.add("writeAtomically " + name);
    }

    @Override
    public void truncate(String name, long size) throws IOException {
        byte[] content = read(name);
        files.put(name, Arrays.copyOf(content, (int) Math.min(size, content.length)));
        operations.add("truncate " + name + " " + size);
    }

    @Override
    public void delete(String name) {
        if (files.remove(name) != null) {
            operations.add("delete " + name);
        }
    }

    @Override
    public void syncDirectory() {
        operations.add("syncDirectory");
    }
}
