package io.phalanx.core.replica;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Digest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A checkpoint as state transfer moves it: its canonical encoding cut into chunks of
 * {@code chunkBytes}, each with its SHA-256, and the checkpoint's digest over those. A receiver
 * that knows the digest from f+1 replicas can check every chunk on arrival, from whichever peer
 * it came. Built off the protocol thread (by whoever took the checkpoint): encoding and hashing
 * a large state takes time.
 */
public record CheckpointImage(long consensusId, Bytes encoded, int chunkBytes, List<Digest> chunkDigests) {
    public CheckpointImage {
        Objects.requireNonNull(encoded, "encoded");
        chunkDigests = List.copyOf(chunkDigests);
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
        }
        if (chunkDigests.size() != chunkCount(encoded.length(), chunkBytes)) {
            throw new IllegalArgumentException(chunkDigests.size() + " chunk digests for " + encoded.length()
                    + " bytes in chunks of " + chunkBytes);
        }
    }

    /** Encodes {@code checkpoint} and digests its chunks. */
    public static CheckpointImage of(Checkpoint checkpoint, int chunkBytes) {
        Bytes encoded = MessageCodec.encodeCheckpoint(checkpoint);
        List<Digest> digests = new ArrayList<>();
        for (int offset = 0; offset < encoded.length(); offset += chunkBytes) {
            digests.add(Digests.sha256(encoded.slice(offset, Math.min(chunkBytes, encoded.length() - offset)).toArray()));
        }
        return new CheckpointImage(checkpoint.consensusId(), encoded, chunkBytes, digests);
    }

    /** How many chunks of {@code chunkBytes} hold {@code totalBytes} (at least one: an encoding is never empty). */
    static int chunkCount(long totalBytes, int chunkBytes) {
        return (int) Math.max(1, (totalBytes + chunkBytes - 1) / chunkBytes);
    }

    /** The digest f+1 replicas must agree on: over the consensus id, the size and every chunk's digest. */
    public Digest digest() {
        return digestOf(consensusId, encoded.length(), chunkDigests);
    }

    static Digest digestOf(long consensusId, long totalBytes, List<Digest> chunkDigests) {
        ByteBuffer buffer = ByteBuffer.allocate(16 + chunkDigests.size() * Digest.LENGTH);
        buffer.putLong(consensusId).putLong(totalBytes);
        chunkDigests.forEach(d -> buffer.put(d.value().toArray()));
        return Digests.sha256(buffer.array());
    }

    public int chunkCount() {
        return chunkDigests.size();
    }

    /** Chunk {@code index}: bytes {@code [index * chunkBytes, ...)} of the encoding. */
    public Bytes chunk(int index) {
        int offset = Math.multiplyExact(index, chunkBytes);
        return encoded.slice(offset, Math.min(chunkBytes, encoded.length() - offset));
    }
}
