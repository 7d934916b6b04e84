package io.phalanx.core.storage;

import io.phalanx.core.replica.ImageStore;

import java.io.IOException;
import java.util.List;

/**
 * Checkpoint images in files, for a replica that keeps no log (durability {@code none}): a state
 * larger than memory goes to disk when the replica checkpoints it, receives it by state transfer
 * or serves it, instead of into the heap. Nothing here outlives a run: the images a previous run
 * left are deleted when the store opens (without a log they prove nothing), and opening an image
 * deletes every other one but the newest {@code retain - 1}, which the replica may still serve.
 *
 * <p>Thread-safe: the execution thread opens the checkpoints it takes and the protocol thread the
 * transfers it receives.
 */
public final class ScratchImages implements ImageStore {
    private final StoredImages images;
    private final int retain;

    /**
     * Images in {@code storage}, emptied of what an earlier run left.
     *
     * @param storage the directory for the images
     * @param retain  how many images to keep, counting the one being opened (at least 1)
     * @throws IOException if old images cannot be listed or deleted
     */
    public ScratchImages(Storage storage, int retain) throws IOException {
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be at least 1, got " + retain);
        }
        this.images = new StoredImages(storage);
        this.retain = retain;
        delete(images.consensusIds());
    }

    @Override
    public synchronized Target open(long consensusId) throws IOException {
        List<Long> others = images.consensusIds(); // ascending
        others.remove(consensusId);
        delete(others.subList(0, Math.max(0, others.size() - (retain - 1))));
        return images.open(consensusId);
    }

    /** Deletes these images and, if there were any, makes the deletions durable. */
    private void delete(List<Long> consensusIds) throws IOException {
        for (long id : consensusIds) {
            images.delete(id);
        }
        if (!consensusIds.isEmpty()) {
            images.syncDirectory();
        }
    }
}
