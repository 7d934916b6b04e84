package io.phalanx.core.replica;

import io.phalanx.core.message.Bytes;

import java.io.IOException;

/**
 * The bytes of one checkpoint image, read at any offset: in memory, or in a file that stays on
 * disk (a state larger than memory). Safe to read from several threads at once.
 */
public interface ImageData {

    /** The image's size in bytes. */
    long length();

    /** {@code length} bytes from {@code offset}; the range lies within the image. */
    Bytes read(long offset, int length) throws IOException;
}
