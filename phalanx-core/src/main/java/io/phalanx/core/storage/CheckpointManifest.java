package io.phalanx.core.storage;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Digest;

import java.util.List;

/**
 * What a stored checkpoint's image file is checked against, and the proof that makes it
 * servable: the image's size, its chunk size and the digest of every chunk, and the proof of the
 * checkpoint's last decision. Written atomically once the image is durable: a manifest names a
 * complete image.
 *
 * @param consensusId  the checkpoint's last decision
 * @param imageBytes   the image file's size
 * @param chunkBytes   the size of every chunk but the last
 * @param chunkDigests SHA-256 of each chunk of the image, in order
 * @param proof        the signed ACCEPTs that decided instance {@code consensusId}
 */
public record CheckpointManifest(long consensusId, long imageBytes, int chunkBytes, List<Digest> chunkDigests,
                                 List<Accept> proof) {
    /**
     * Copies the lists.
     *
     * @param consensusId  the checkpoint's last decision
     * @param imageBytes   the image file's size
     * @param chunkBytes   the size of every chunk but the last
     * @param chunkDigests SHA-256 of each chunk of the image, in order
     * @param proof        the signed ACCEPTs that decided instance {@code consensusId}
     */
    public CheckpointManifest {
        chunkDigests = List.copyOf(chunkDigests);
        proof = List.copyOf(proof);
    }
}
