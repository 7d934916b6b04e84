package io.phalanx.core.replica;

import io.phalanx.core.message.Bytes;

import java.io.IOException;

/**
 * The bytes of one checkpoint image, read at any offset: in memory, or in a file that stays on
 * disk (a state larger than memory). Safe to read from several threads at once.
 */
public interface ImageData {

    /**
     * The image's size.
     *
     * @return its length in bytes
     */
    long length();

    /**
     * Reads a range of the image.
     *
     * @param offset the position of the first byte
     * @param length how many bytes; the range lies within the image
     * @return {@code length} bytes from {@code offset}
     * @throws IOException if the bytes cannot be read (a file gone or shorter than its length)
     */
    Bytes read(long offset, int length) throws IOException;
}
