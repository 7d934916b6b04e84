package io.phalanx.core.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Stored checkpoints' manifests ({@link CheckpointManifest}: the image's size and chunk digests,
 * the proof of its last decision) as whole files {@code checkpoint-<20-digit consensus id>.ckpt},
 * each written with {@link Storage#writeAtomically} so a crash leaves either no file or a complete
 * one. The image a manifest names is a file of its own ({@link StoredImages}), written and synced
 * before the manifest: a manifest on disk means a complete image.
 *
 * <p>File layout, integers big endian: magic {@code 0x50484350} ("PHCP", 4 bytes), format version
 * (4), consensus id (8, must match the name), content length (4, must match the file size), CRC32C
 * (4) of the 20 header bytes before it and of the content, then the content. A file that fails any
 * check is damaged: torn by a file system that broke its promise, hit by a latent sector error or a
 * misdirected write.
 *
 * <p>Damage is reported, never skipped silently: {@link #latest()} returns the newest intact
 * checkpoint together with every newer file that failed, and the caller logs them (a damaged file is
 * left in place for the operator; {@link #retain} removes it in time). {@link #write} reads the new
 * file back before returning, because the log may be truncated only behind a checkpoint that is
 * known to be readable.
 */
public final class StoredCheckpoints {
    static final String PREFIX = "checkpoint-";
    static final String SUFFIX = ".ckpt";
    static final int MAGIC = 0x50484350;
    static final int FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 24;
    private static final int CHECKSUMMED_HEADER_BYTES = 20;

    /**
     * A stored checkpoint's manifest, encoded: the checkpoint after executing every decision up to {@code consensusId}.
     *
     * @param consensusId the checkpoint's last decision
     * @param content     the encoded manifest, without the file's header
     */
    public record Checkpoint(long consensusId, byte[] content) {
    }

    /**
     * A checkpoint file that failed verification, and why.
     *
     * @param fileName the file's name
     * @param reason   the check it failed
     */
    public record Damaged(String fileName, String reason) {
    }

    /**
     * The newest intact checkpoint (empty if none) and the files newer than it that are damaged,
     * newest first. An intact result with damaged newer files means the replica restarts further
     * back than it could have; the caller must log every damaged file.
     *
     * @param checkpoint the newest intact checkpoint, if any
     * @param damaged    the damaged files newer than it, newest first
     */
    public record Latest(Optional<Checkpoint> checkpoint, List<Damaged> damaged) {
    }

    private final Storage storage;

    /**
     * Checkpoint files in {@code storage}.
     *
     * @param storage the directory holding them
     */
    public StoredCheckpoints(Storage storage) {
        this.storage = storage;
    }

    /**
     * The file name of the checkpoint at {@code consensusId}.
     *
     * @param consensusId the checkpoint's last decision
     * @return {@code checkpoint-<id in 20 digits>.ckpt}
     */
    public static String fileName(long consensusId) {
        return String.format("%s%020d%s", PREFIX, consensusId, SUFFIX);
    }

    /**
     * Writes the checkpoint at {@code consensusId} atomically and durably, reads it back and
     * verifies it.
     *
     * @param consensusId the checkpoint's last decision, at least 0
     * @param content     the encoded manifest
     * @throws IOException if the write fails or the file does not read back intact
     */
    public void write(long consensusId, byte[] content) throws IOException {
        if (consensusId < 0) {
            throw new IllegalArgumentException("negative consensus id " + consensusId);
        }
        String name = fileName(consensusId);
        storage.writeAtomically(name, encode(consensusId, content));
        byte[] readBack = storage.read(name);
        String problem = problem(consensusId, readBack);
        if (problem == null && !Arrays.equals(readBack, HEADER_BYTES, readBack.length, content, 0, content.length)) {
            problem = "content differs from what was written";
        }
        if (problem != null) {
            throw new IOException("checkpoint " + name + " did not read back intact: " + problem);
        }
    }

    /**
     * The newest checkpoint that verifies, and the damaged files newer than it.
     *
     * @return the newest intact checkpoint, if any, and the damaged files newer than it
     * @throws IOException if the storage fails
     */
    public Latest latest() throws IOException {
        return latest(checkpoint -> null);
    }

    /** What else a checkpoint must pass to be used: null if it does, else the problem. */
    public interface Check {
        /**
         * Checks one intact checkpoint file.
         *
         * @param checkpoint the checkpoint read from the file
         * @return null if it may be used, else what is wrong with it
         * @throws IOException if the storage fails while checking
         */
        String problem(Checkpoint checkpoint) throws IOException;
    }

    /**
     * The newest checkpoint that verifies and passes {@code check} (its image, say), and the
     * files newer than it that failed either.
     *
     * @param check what a verified checkpoint must pass besides
     * @return the newest checkpoint that passes, if any, and the files newer than it that failed
     * @throws IOException if the storage fails
     */
    public Latest latest(Check check) throws IOException {
        List<Damaged> damaged = new ArrayList<>();
        List<String> names = names();
        for (int i = names.size() - 1; i >= 0; i--) {
            String name = names.get(i);
            long consensusId = parseConsensusId(name);
            if (consensusId < 0) {
                damaged.add(new Damaged(name, "not a valid checkpoint file name"));
                continue;
            }
            byte[] bytes = storage.read(name);
            String problem = problem(consensusId, bytes);
            if (problem != null) {
                damaged.add(new Damaged(name, problem));
                continue;
            }
            Checkpoint checkpoint = new Checkpoint(consensusId, Arrays.copyOfRange(bytes, HEADER_BYTES, bytes.length));
            problem = check.problem(checkpoint);
            if (problem != null) {
                damaged.add(new Damaged(name, problem));
                continue;
            }
            return new Latest(Optional.of(checkpoint), damaged);
        }
        return new Latest(Optional.empty(), damaged);
    }

    /**
     * Deletes all but the {@code count} newest checkpoint files (by consensus id, intact or not),
     * durably. Called right after {@link #write}, the newest is known to be intact; keeping two or
     * more leaves a fallback should a latent error hit it later.
     *
     * @param count how many to keep, at least 1
     * @throws IOException if a deletion or the directory sync fails
     */
    public void retain(int count) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("must retain at least one checkpoint: " + count);
        }
        List<String> names = names();
        for (int i = 0; i < names.size() - count; i++) {
            storage.delete(names.get(i));
        }
        if (names.size() > count) {
            storage.syncDirectory();
        }
    }

    /**
     * The checkpoint files present, intact or not.
     *
     * @return their consensus ids, ascending
     * @throws IOException if the directory cannot be listed
     */
    public List<Long> consensusIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        for (String name : names()) {
            long id = parseConsensusId(name);
            if (id >= 0) {
                ids.add(id);
            }
        }
        return ids;
    }

    private List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        for (String name : storage.list()) {
            if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)) {
                names.add(name);
            }
        }
        return names;
    }

    static byte[] encode(long consensusId, byte[] content) {
        byte[] file = new byte[HEADER_BYTES + content.length];
        LogRecords.writeInt(file, 0, MAGIC);
        LogRecords.writeInt(file, 4, FORMAT_VERSION);
        LogRecords.writeLong(file, 8, consensusId);
        LogRecords.writeInt(file, 16, content.length);
        System.arraycopy(content, 0, file, HEADER_BYTES, content.length);
        LogRecords.writeInt(file, CHECKSUMMED_HEADER_BYTES, checksum(file));
        return file;
    }

    private static int checksum(byte[] file) {
        CRC32C crc = new CRC32C();
        crc.update(file, 0, CHECKSUMMED_HEADER_BYTES);
        crc.update(file, HEADER_BYTES, file.length - HEADER_BYTES);
        return (int) crc.getValue();
    }

    /** What is wrong with {@code file} as the checkpoint at {@code consensusId}, or null if it verifies. */
    private static String problem(long consensusId, byte[] file) {
        if (file.length < HEADER_BYTES) {
            return "only " + file.length + " bytes, shorter than the " + HEADER_BYTES + "-byte header";
        }
        if (LogRecords.readInt(file, 0) != MAGIC) {
            return "bad magic number";
        }
        int version = LogRecords.readInt(file, 4);
        if (version != FORMAT_VERSION) {
            return "unknown format version " + version;
        }
        long headerId = LogRecords.readLong(file, 8);
        if (headerId != consensusId) {
            return "header says consensus id " + headerId;
        }
        int length = LogRecords.readInt(file, 16);
        if (length != file.length - HEADER_BYTES) {
            return "header says " + Integer.toUnsignedString(length) + " content bytes, file has " + (file.length - HEADER_BYTES);
        }
        if (LogRecords.readInt(file, CHECKSUMMED_HEADER_BYTES) != checksum(file)) {
            return "checksum mismatch";
        }
        return null;
    }

    private static long parseConsensusId(String name) {
        String digits = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
        try {
            long id = Long.parseLong(digits);
            return id >= 0 && fileName(id).equals(name) ? id : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
