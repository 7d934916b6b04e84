package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Digest;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a checkpoint image to an {@link ImageStore.Target} as a stream, digesting each chunk of
 * {@code chunkBytes} as it fills: memory holds one chunk, whatever the state's size.
 */
public final class ImageWriter extends OutputStream {
    private final long consensusId;
    private final int chunkBytes;
    private final ImageStore.Target target;
    private final byte[] chunk;
    private final List<Digest> digests = new ArrayList<>();
    private int filled;
    private long length;
    private boolean finished;

    /**
     * A writer of the image of the checkpoint at {@code consensusId}; {@code target} is cut to empty first.
     *
     * @param consensusId the checkpoint's last decision
     * @param chunkBytes  the chunk size, above 0
     * @param target      where the image's bytes go
     * @throws java.io.UncheckedIOException if {@code target} cannot be cut
     */
    public ImageWriter(long consensusId, int chunkBytes, ImageStore.Target target) {
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
        }
        this.consensusId = consensusId;
        this.chunkBytes = chunkBytes;
        this.target = target;
        this.chunk = new byte[chunkBytes];
        try {
            target.truncate(0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] data, int offset, int count) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, count, data.length);
        if (finished) {
            throw new IllegalStateException("image " + consensusId + " is finished");
        }
        while (count > 0) {
            int n = Math.min(count, chunkBytes - filled);
            System.arraycopy(data, offset, chunk, filled, n);
            filled += n;
            offset += n;
            count -= n;
            length += n;
            if (filled == chunkBytes) {
                flushChunk();
            }
        }
    }

    private void flushChunk() throws IOException {
        if (filled > 0) {
            digests.add(Digests.sha256(chunk, 0, filled));
            target.write(chunk, 0, filled);
            filled = 0;
        }
    }

    /**
     * Writes the last chunk, makes the image durable (where the store is), closes it and describes it.
     *
     * @return the image with its length and chunk digests
     * @throws IOException if the write, sync or close fails
     */
    public CheckpointImage finish() throws IOException {
        flushChunk();
        finished = true;
        target.sync();
        target.close();
        return new CheckpointImage(consensusId, length, chunkBytes, digests, target.data());
    }

    /** Closes the target without finishing the image: an image abandoned half-way is simply not used. */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            target.close();
        }
    }
}
