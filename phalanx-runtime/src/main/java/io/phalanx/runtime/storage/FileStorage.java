package io.phalanx.runtime.storage;

import io.phalanx.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@link Storage} over one directory of a real file system. Content is made durable with
 * {@code FileChannel.force(true)}, creations and deletions with an fsync of the directory
 * ({@link DurableFiles#syncDirectory}), and {@link #writeAtomically} writes a temp file
 * ({@code <name>.tmp}), fsyncs it and renames it over the target. A crash can leave such a temp
 * file behind: {@link #open} deletes them and {@link #list} never shows them, so names ending in
 * {@code .tmp} are reserved.
 *
 * <p>Not thread-safe; one owner (the replica's storage thread) uses it.
 */
public final class FileStorage implements Storage {
    private final Path dir;

    private FileStorage(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens {@code dir}, creating it (durably, in its parent) if needed, and deletes temp files a
     * crash left in the middle of {@link #writeAtomically}.
     *
     * @param dir the directory
     * @return the storage over it
     * @throws IOException if the directory cannot be created, listed or synced
     */
    public static FileStorage open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                DurableFiles.syncDirectory(parent);
            }
        }
        FileStorage storage = new FileStorage(dir);
        boolean deleted = false;
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, "*" + DurableFiles.TEMP_SUFFIX)) {
            for (Path temp : temps) {
                deleted |= Files.deleteIfExists(temp);
            }
        }
        if (deleted) {
            storage.syncDirectory();
        }
        return storage;
    }

    /**
     * The directory this storage is over.
     *
     * @return its path as given to {@link #open}
     */
    public Path directory() {
        return dir;
    }

    @Override
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.endsWith(DurableFiles.TEMP_SUFFIX) && Files.isRegularFile(entry)) {
                    names.add(name);
                }
            }
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public AppendFile append(String name) throws IOException {
        FileChannel channel = FileChannel.open(path(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        return new ChannelAppendFile(channel);
    }

    @Override
    public byte[] read(String name) throws IOException {
        return Files.readAllBytes(path(name));
    }

    @Override
    public byte[] read(String name, long offset, int length) throws IOException {
        byte[] range = new byte[length];
        ByteBuffer buffer = ByteBuffer.wrap(range);
        try (FileChannel channel = FileChannel.open(path(name), StandardOpenOption.READ)) {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new java.io.EOFException(name + " ends before " + length + " bytes from offset " + offset);
                }
            }
        }
        return range;
    }

    @Override
    public void writeAtomically(String name, byte[] content) throws IOException {
        path(name);
        DurableFiles.writeAtomically(dir, name, content);
    }

    @Override
    public void truncate(String name, long size) throws IOException {
        Path path = path(name);
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
            channel.truncate(size);
            channel.force(true);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(path(name));
    }

    @Override
    public void syncDirectory() throws IOException {
        DurableFiles.syncDirectory(dir);
    }

    /** {@code dir/name}, refusing names that would leave the directory or collide with temp files. */
    private Path path(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                || name.endsWith(DurableFiles.TEMP_SUFFIX)) {
            throw new IllegalArgumentException("not a plain file name, or a reserved one: '" + name + "'");
        }
        return dir.resolve(name);
    }

    /**
     * Appends through a buffer of {@link #BUFFER_BYTES}: a group of small records costs one
     * {@code write} system call instead of one each. Buffered bytes are written out by
     * {@link #sync} (before the fsync) and {@link #close}; until then they are unsynced writes,
     * which a crash may lose anyway.
     */
    private static final class ChannelAppendFile implements AppendFile {
        private static final int BUFFER_BYTES = 256 * 1024;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        private long size;

        ChannelAppendFile(FileChannel channel) throws IOException {
            this.channel = channel;
            this.size = channel.size();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            if (length > buffer.remaining()) {
                flush();
            }
            if (length > buffer.capacity()) {
                DurableFiles.writeFully(channel, ByteBuffer.wrap(data, offset, length));
            } else {
                buffer.put(data, offset, length);
            }
            size += length;
        }

        private void flush() throws IOException {
            buffer.flip();
            DurableFiles.writeFully(channel, buffer);
            buffer.clear();
        }

        @Override
        public void sync() throws IOException {
            flush();
            channel.force(true);
        }

        @Override
        public void close() throws IOException {
            try {
                flush();
            } finally {
                channel.close();
            }
        }
    }
}
