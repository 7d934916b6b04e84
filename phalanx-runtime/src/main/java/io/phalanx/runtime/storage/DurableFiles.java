package io.phalanx.runtime.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** The fsync steps every durable file change in a data directory needs, written once. */
final class DurableFiles {
    /** Where {@link #writeAtomically} writes before the rename; a crash may leave one behind. */
    static final String TEMP_SUFFIX = ".tmp";

    private DurableFiles() {
    }

    /**
     * Replaces {@code dir/name} with {@code content} so that a crash leaves the old or the new
     * content: temp file, write, fsync, atomic rename over the old one, directory fsync.
     */
    static void writeAtomically(Path dir, String name, byte[] content) throws IOException {
        Path temp = dir.resolve(name + TEMP_SUFFIX);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(channel, ByteBuffer.wrap(content));
            channel.force(true);
        }
        try {
            Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("data directory " + dir + " does not support atomic renames", e);
        }
        syncDirectory(dir);
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /**
     * Makes creations, renames and deletions in {@code dir} durable. Windows cannot open a
     * directory as a channel (and makes such changes durable itself), so only there is failure
     * ignored.
     */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase().contains("win")) {
                throw e;
            }
        }
    }
}
