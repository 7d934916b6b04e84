package io.phalanx.core.replica;

import java.io.IOException;

/**
 * Where checkpoint images are written: the execution layer's checkpoints and the chunks a state
 * transfer receives. In memory ({@link MemoryImageStore}) or on the replica's storage
 * ({@code io.phalanx.core.storage.StoredImages}), where an image larger than memory stays on
 * disk and a transfer cut short by a restart resumes from what it had written.
 */
public interface ImageStore {

    /**
     * Opens the image of the checkpoint at {@code consensusId} for writing, keeping what an
     * earlier writer left in it (a transfer resumes from there; a new checkpoint truncates it).
     *
     * @param consensusId the checkpoint's last decision
     * @return the image, open for writing at its end
     * @throws IOException if the image cannot be opened or created
     */
    Target open(long consensusId) throws IOException;

    /** An image being written, front to back, then closed. Not thread-safe: one writer at a time. */
    interface Target extends java.io.Closeable {
        /**
         * The image's length so far.
         *
         * @return bytes written so far
         */
        long size();

        /**
         * Appends {@code length} bytes of {@code data} from {@code offset}.
         *
         * @param data   the array holding the bytes
         * @param offset the index of the first byte to append
         * @param length how many bytes to append
         * @throws IOException if the write fails
         */
        void write(byte[] data, int offset, int length) throws IOException;

        /**
         * Cuts the image to its first {@code size} bytes.
         *
         * @param size the length to keep
         * @throws IOException if the image cannot be cut
         */
        void truncate(long size) throws IOException;

        /**
         * Makes what was written durable (where the store is durable at all).
         *
         * @throws IOException if the sync fails
         */
        void sync() throws IOException;

        /**
         * The bytes written so far, readable while and after they are written (once synced), and after {@link #close}.
         *
         * @return the image's data
         */
        ImageData data();
    }
}
