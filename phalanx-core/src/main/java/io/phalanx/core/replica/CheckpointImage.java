package io.phalanx.core.replica;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * A checkpoint as it is stored and moved: its header ({@link Checkpoint}, encoded by
 * {@link MessageCodec#encodeCheckpointHeader}) followed by the service's state to the end, cut
 * into chunks of {@code chunkBytes}, each with its SHA-256, and the checkpoint's digest over
 * those. A receiver that knows the digest from f+1 replicas can check every chunk on arrival,
 * from whichever peer it came. The bytes themselves are in {@link ImageData}: in memory, or in a
 * file, so that a state larger than memory is written, served, received and restored a chunk at
 * a time.
 *
 * @param consensusId  the checkpoint's last decision
 * @param length       the image's size in bytes, above 0
 * @param chunkBytes   the size of every chunk but the last
 * @param chunkDigests SHA-256 of each chunk, in order
 * @param data         the image's bytes
 */
public record CheckpointImage(long consensusId, long length, int chunkBytes, List<Digest> chunkDigests, ImageData data) {
    /**
     * Copies the digests and checks that sizes, data and digests agree.
     *
     * @param consensusId  the checkpoint's last decision
     * @param length       the image's size in bytes, above 0 and equal to the data's
     * @param chunkBytes   the size of every chunk but the last, above 0
     * @param chunkDigests SHA-256 of each chunk, one per chunk
     * @param data         the image's bytes
     * @throws IllegalArgumentException if they disagree
     */
    public CheckpointImage {
        Objects.requireNonNull(data, "data");
        chunkDigests = List.copyOf(chunkDigests);
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
        }
        if (length <= 0 || data.length() != length) {
            throw new IllegalArgumentException("an image of " + length + " bytes with " + data.length() + " bytes of data");
        }
        if (chunkDigests.size() != chunkCount(length, chunkBytes)) {
            throw new IllegalArgumentException(chunkDigests.size() + " chunk digests for " + length
                    + " bytes in chunks of " + chunkBytes);
        }
    }

    /**
     * The image of {@code header} and {@code serviceState}, in memory.
     *
     * @param header       the checkpoint's header
     * @param serviceState the service's state as one byte string
     * @param chunkBytes   the chunk size
     * @return the image, its chunk digests computed
     */
    public static CheckpointImage of(Checkpoint header, Bytes serviceState, int chunkBytes) {
        ImageWriter writer = new ImageWriter(header.consensusId(), chunkBytes, new MemoryImageStore().open(header.consensusId()));
        try {
            writer.write(MessageCodec.encodeCheckpointHeader(header));
            serviceState.writeTo(writer);
            return writer.finish();
        } catch (IOException e) {
            throw new IllegalStateException("an image in memory failed to write", e);
        }
    }

    /** How many chunks of {@code chunkBytes} hold {@code totalBytes} (at least one: an image is never empty). */
    static int chunkCount(long totalBytes, int chunkBytes) {
        return Math.toIntExact(Math.max(1, (totalBytes + chunkBytes - 1) / chunkBytes));
    }

    /**
     * The digest f+1 replicas must agree on.
     *
     * @return SHA-256 over the consensus id, the size and every chunk's digest
     */
    public Digest digest() {
        return digestOf(consensusId, length, chunkDigests);
    }

    static Digest digestOf(long consensusId, long totalBytes, List<Digest> chunkDigests) {
        ByteBuffer buffer = ByteBuffer.allocate(16 + chunkDigests.size() * Digest.LENGTH);
        buffer.putLong(consensusId).putLong(totalBytes);
        chunkDigests.forEach(d -> buffer.put(d.value().toArray()));
        return Digests.sha256(buffer.array());
    }

    /**
     * The number of chunks.
     *
     * @return how many chunks the image is cut into, at least 1
     */
    public int chunkCount() {
        return chunkDigests.size();
    }

    /**
     * Chunk {@code index}: bytes {@code [index * chunkBytes, ...)} of the image.
     *
     * @param index the chunk's position, from 0 to {@code chunkCount() - 1}
     * @return its bytes, {@code chunkBytes} of them but for the last chunk
     * @throws IOException if the data cannot be read
     */
    public Bytes chunk(int index) throws IOException {
        long offset = (long) index * chunkBytes;
        return data.read(offset, (int) Math.min(chunkBytes, length - offset));
    }

    /**
     * Checks one chunk of a stored image before it is trusted.
     *
     * @param index the chunk's position
     * @return true if chunk {@code index} of the data matches its digest
     * @throws IOException if the data cannot be read
     */
    public boolean chunkIntact(int index) throws IOException {
        return Digests.sha256(chunk(index).toArray()).equals(chunkDigests.get(index));
    }

    /**
     * The size of the header, as its prefix declares it.
     *
     * @return the header's length in bytes, prefix included
     * @throws IOException if the data cannot be read
     * @throws CodecException if the prefix is of another layout version or declares more bytes than the image has
     */
    public int headerBytes() throws IOException, CodecException {
        byte[] prefix = data.read(0, (int) Math.min(MessageCodec.CHECKPOINT_PREFIX_BYTES, length)).toArray();
        return MessageCodec.CHECKPOINT_PREFIX_BYTES
                + MessageCodec.checkpointHeaderRest(prefix, length - prefix.length);
    }

    /**
     * Decodes the header: the checkpoint without the service's state.
     *
     * @return the checkpoint's header
     * @throws IOException if the data cannot be read
     * @throws CodecException if the header is malformed or names another checkpoint
     */
    public Checkpoint header() throws IOException, CodecException {
        Checkpoint header = MessageCodec.decodeCheckpointHeader(data.read(0, headerBytes()).toArray());
        if (header.consensusId() != consensusId) {
            throw new CodecException("the image of checkpoint " + consensusId + " holds the header of " + header.consensusId());
        }
        return header;
    }

    /**
     * The service's state: the bytes after the header, read a chunk at a time.
     *
     * @return a stream of the state's bytes
     * @throws IOException if the header's prefix cannot be read
     * @throws CodecException if the prefix is invalid
     */
    public InputStream serviceState() throws IOException, CodecException {
        return new ImageStream(data, headerBytes(), length, chunkBytes);
    }

    /** Reads an image's bytes from {@code from} to {@code to}, a block of at most {@code blockBytes} at a time. */
    private static final class ImageStream extends InputStream {
        private final ImageData data;
        private final long to;
        private final int blockBytes;
        private long position;
        private byte[] block = new byte[0];
        private int inBlock;

        ImageStream(ImageData data, long from, long to, int blockBytes) {
            this.data = data;
            this.position = from;
            this.to = to;
            this.blockBytes = blockBytes;
        }

        private boolean fill() throws IOException {
            if (inBlock < block.length) {
                return true;
            }
            if (position >= to) {
                return false;
            }
            int length = (int) Math.min(blockBytes, to - position);
            block = data.read(position, length).toArray();
            position += length;
            inBlock = 0;
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? block[inBlock++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, into.length);
            if (length == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(length, block.length - inBlock);
            System.arraycopy(block, inBlock, into, offset, n);
            inBlock += n;
            return n;
        }
    }
}
