package io.phalanx.core.storage;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.replica.ImageData;
import io.phalanx.core.replica.ImageStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checkpoint images as files of a {@link Storage}, one per checkpoint ({@link #fileName}): the
 * execution layer streams the checkpoints it takes into them, state transfer the chunks it
 * receives, and peers are served from them, so a state larger than memory stays on disk. An
 * image counts as a stored checkpoint only once {@link ReplicaStore} has written its manifest
 * ({@link StoredCheckpoints}); one without a manifest is a checkpoint being written, or a
 * transfer a restart cut short, which a transfer of the same checkpoint resumes.
 *
 * <p>Thread-safe as the runtime uses it: each image has one writer at a time, reads go by name,
 * and deletions ({@link ReplicaStore}'s retention) spare images newer than its newest manifest.
 */
public final class StoredImages implements ImageStore {
    static final String PREFIX = "checkpoint-";
    static final String SUFFIX = ".img";

    private final Storage storage;

    /**
     * Image files in {@code storage}.
     *
     * @param storage the directory holding them
     */
    public StoredImages(Storage storage) {
        this.storage = storage;
    }

    /**
     * The file name of the image of the checkpoint at {@code consensusId}.
     *
     * @param consensusId the checkpoint's last decision
     * @return {@code checkpoint-<id in 20 digits>.img}
     */
    public static String fileName(long consensusId) {
        return String.format("%s%020d%s", PREFIX, consensusId, SUFFIX);
    }

    /** The consensus id an image file is named for, or -1 if {@code name} is no image's name. */
    static long parseConsensusId(String name) {
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The consensus ids of the image files present, ascending. */
    List<Long> consensusIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (String name : storage.list()) {
            long id = parseConsensusId(name);
            if (id >= 0) {
                ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    /** Deletes the image of the checkpoint at {@code consensusId}; durable after {@link #syncDirectory}. */
    void delete(long consensusId) throws IOException {
        storage.delete(fileName(consensusId));
    }

    void syncDirectory() throws IOException {
        storage.syncDirectory();
    }

    /**
     * The image file of the checkpoint at {@code consensusId} as it is now, {@code length} bytes long.
     *
     * @param consensusId the checkpoint's last decision
     * @param length      the image's length, from its manifest or its writer
     * @return a view of the file that reads it on demand
     */
    public ImageData data(long consensusId, long length) {
        return new FileData(fileName(consensusId), length);
    }

    @Override
    public Target open(long consensusId) throws IOException {
        return new FileTarget(fileName(consensusId));
    }

    /** True if {@code data} is an image file of this store's storage (nothing to copy to store it). */
    boolean holds(ImageData data) {
        return data instanceof FileData file && file.storage() == storage;
    }

    private final class FileData implements ImageData {
        private final String name;
        private final long length;

        FileData(String name, long length) {
            this.name = name;
            this.length = length;
        }

        Storage storage() {
            return storage;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public Bytes read(long offset, int count) throws IOException {
            if (offset < 0 || count < 0 || offset + count > length) {
                throw new IllegalArgumentException("bytes " + offset + ".." + (offset + count) + " of an image of " + length);
            }
            return Bytes.copyOf(storage.read(name, offset, count));
        }
    }

    private final class FileTarget implements Target {
        private final String name;
        private Storage.AppendFile file;
        private long size;

        FileTarget(String name) throws IOException {
            this.name = name;
            this.file = storage.append(name);
            this.size = file.size();
            storage.syncDirectory();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            file.write(data, offset, length);
            size += length;
        }

        @Override
        public void truncate(long size) throws IOException {
            if (size == this.size) {
                return;
            }
            file.close();
            storage.truncate(name, size);
            file = storage.append(name);
            this.size = size;
        }

        @Override
        public void sync() throws IOException {
            file.sync();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }

        /** What was written so far; unsynced bytes are readable once {@link #sync} wrote them out. */
        @Override
        public ImageData data() {
            return new FileData(name, size);
        }
    }
}
