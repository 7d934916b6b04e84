package io.phalanx.core.replica;

import io.phalanx.core.message.Bytes;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Images held in memory, for cores driven without storage (the simulator's replicas without a
 * disk, the core's tests; a runtime replica keeps its images in files even under durability
 * {@code none}). Nothing survives the object; {@link #open} always starts an image afresh.
 */
public final class MemoryImageStore implements ImageStore {

    @Override
    public Target open(long consensusId) {
        return new MemoryTarget();
    }

    /**
     * An image already in memory.
     *
     * @param bytes the image's bytes
     * @return image data that reads from {@code bytes}
     */
    public static ImageData of(Bytes bytes) {
        return new ImageData() {
            @Override
            public long length() {
                return bytes.length();
            }

            @Override
            public Bytes read(long offset, int length) {
                return bytes.slice(Math.toIntExact(offset), length);
            }
        };
    }

    private static final class MemoryTarget implements Target {
        private final Buffer buffer = new Buffer();

        @Override
        public long size() {
            return buffer.size();
        }

        @Override
        public void write(byte[] data, int offset, int length) {
            buffer.write(data, offset, length);
        }

        @Override
        public void truncate(long size) {
            buffer.truncate(Math.toIntExact(size));
        }

        @Override
        public void sync() {
        }

        @Override
        public void close() {
        }

        @Override
        public ImageData data() {
            return of(Bytes.copyOf(buffer.toByteArray()));
        }
    }

    /** A byte buffer that can be cut back. */
    private static final class Buffer extends ByteArrayOutputStream {
        void truncate(int size) {
            if (size < count) {
                Arrays.fill(buf, size, count, (byte) 0);
                count = size;
            }
        }
    }
}
