package io.phalanx.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * What a replica's log and checkpoints need from a disk: one flat directory of named files.
 * Two implementations share every format written above it: files on a real file system (the
 * runtime) and a simulated disk that loses, tears, corrupts and misdirects writes (the
 * simulator). Nothing written is durable until {@link AppendFile#sync()} (file content) and
 * {@link #syncDirectory()} (creations, renames, deletions) return.
 */
public interface Storage {

    /** The names of the files in the directory, in lexicographic order. */
    List<String> list() throws IOException;

    /**
     * Opens {@code name} for appending, creating it (empty) if it does not exist; the creation is
     * durable only after {@link #syncDirectory()}.
     */
    AppendFile append(String name) throws IOException;

    /** The whole content of {@code name}. */
    byte[] read(String name) throws IOException;

    /**
     * {@code length} bytes of {@code name} from {@code offset} (a chunk of a checkpoint image). The
     * default reads the whole file; a storage of large files reads just the range.
     *
     * @throws java.io.EOFException if the file ends before the range does
     */
    default byte[] read(String name, long offset, int length) throws IOException {
        byte[] all = read(name);
        if (offset < 0 || length < 0 || offset + length > all.length) {
            throw new java.io.EOFException(name + " has " + all.length + " bytes, not " + length + " from " + offset);
        }
        return java.util.Arrays.copyOfRange(all, (int) offset, (int) offset + length);
    }

    /**
     * Replaces {@code name} with {@code content} atomically and durably: after a crash the file
     * holds either its old content or all of the new one, and after this returns the new one.
     */
    void writeAtomically(String name, byte[] content) throws IOException;

    /** Cuts {@code name} to its first {@code size} bytes and makes the cut durable. */
    void truncate(String name, long size) throws IOException;

    /** Deletes {@code name} if it exists; durable only after {@link #syncDirectory()}. */
    void delete(String name) throws IOException;

    /** Makes the creations, renames and deletions done so far durable. */
    void syncDirectory() throws IOException;

    /** A file open for appending. Not thread-safe: one writer at a time. */
    interface AppendFile extends Closeable {
        /** Bytes in the file, including those written but not yet synced. */
        long size();

        /** Appends {@code length} bytes of {@code data} from {@code offset}; durable only after {@link #sync()}. */
        void write(byte[] data, int offset, int length) throws IOException;

        /** Makes everything written so far durable (fsync). */
        void sync() throws IOException;
    }
}
