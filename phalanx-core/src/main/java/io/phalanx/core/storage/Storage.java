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

    /**
     * The files in the directory.
     *
     * @return their names, in lexicographic order
     * @throws IOException if the directory cannot be listed
     */
    List<String> list() throws IOException;

    /**
     * Opens {@code name} for appending, creating it (empty) if it does not exist; the creation is
     * durable only after {@link #syncDirectory()}.
     *
     * @param name the file's name
     * @return the open file, positioned at its end
     * @throws IOException if the file cannot be opened or created
     */
    AppendFile append(String name) throws IOException;

    /**
     * The whole content of {@code name}.
     *
     * @param name the file's name
     * @return its bytes
     * @throws IOException if the file does not exist or cannot be read
     */
    byte[] read(String name) throws IOException;

    /**
     * {@code length} bytes of {@code name} from {@code offset} (a chunk of a checkpoint image). The
     * default reads the whole file; a storage of large files reads just the range.
     *
     * @param name   the file's name
     * @param offset the position of the first byte to read
     * @param length how many bytes to read
     * @return exactly {@code length} bytes
     * @throws java.io.EOFException if the file ends before the range does
     * @throws IOException if the file does not exist or cannot be read
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
     *
     * @param name    the file's name
     * @param content the file's new content
     * @throws IOException if the write or the sync fails; the file then holds its old or its new content
     */
    void writeAtomically(String name, byte[] content) throws IOException;

    /**
     * Cuts {@code name} to its first {@code size} bytes and makes the cut durable.
     *
     * @param name the file's name
     * @param size the length to keep
     * @throws IOException if the file cannot be cut or synced
     */
    void truncate(String name, long size) throws IOException;

    /**
     * Deletes {@code name} if it exists; durable only after {@link #syncDirectory()}.
     *
     * @param name the file's name
     * @throws IOException if the file exists and cannot be deleted
     */
    void delete(String name) throws IOException;

    /**
     * Makes the creations, renames and deletions done so far durable.
     *
     * @throws IOException if the directory cannot be synced
     */
    void syncDirectory() throws IOException;

    /** A file open for appending. Not thread-safe: one writer at a time. */
    interface AppendFile extends Closeable {
        /**
         * The file's length.
         *
         * @return bytes in the file, including those written but not yet synced
         */
        long size();

        /**
         * Appends {@code length} bytes of {@code data} from {@code offset}; durable only after {@link #sync()}.
         *
         * @param data   the array holding the bytes
         * @param offset the index of the first byte to append
         * @param length how many bytes to append
         * @throws IOException if the write fails
         */
        void write(byte[] data, int offset, int length) throws IOException;

        /**
         * Makes everything written so far durable (fsync).
         *
         * @throws IOException if the sync fails; what was written since the last sync may be lost
         */
        void sync() throws IOException;
    }
}
