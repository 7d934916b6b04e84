package io.phalanx.kv;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;
import io.phalanx.core.service.Snapshot;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The key-value service with its map in a RocksDB database on disk, for states larger than the
 * heap: the same operations, results and errors as {@link KeyValueService} (both run
 * {@link KvExecution}) and the same snapshot bytes ({@link KvSnapshotFormat}), so each restores
 * the other's snapshots.
 *
 * <p>Layout in the database. A user key is stored as the byte {@code 0x01} followed by its
 * UTF-16BE encoding: RocksDB orders keys bytewise, and bytewise order of UTF-16BE is exactly
 * {@link String#compareTo}'s order, the order {@link KeyValueService}'s TreeMap and the snapshot
 * layout use (UTF-8 bytes would order a supplementary character after {@code U+FFFF}, the
 * TreeMap before). Keys starting with {@code 0x00} are reserved: the entry count (4 bytes
 * big-endian), written in the same {@link WriteBatch} as the put or delete that changes it so it
 * survives restarts exactly, and a marker that a restore is under way. Values are UTF-8.
 *
 * <p>Durability. Writes skip RocksDB's write-ahead log: Phalanx's own log and checkpoints make the
 * state durable. After a crash the database holds some earlier state (a prefix of the writes,
 * count included), so the replica must restore its last checkpoint, or an empty state if it has
 * none, before replaying its log ({@link #restore(InputStream)}); a clean {@link #close} flushes,
 * so the state survives it as it is. A restore interrupted by a malformed stream or a crash
 * leaves its marker, and until a restore succeeds the service refuses to execute, answer or
 * snapshot ({@link IllegalStateException}), since its partial state is no replica's state.
 *
 * <p>Snapshots. {@link #openSnapshot} takes a RocksDB snapshot (constant time, on the execution
 * thread); its {@link Snapshot#writeTo} iterates that view in key order on whatever thread while
 * {@link #execute} goes on, holding one entry at a time. It iterates instead of copying SST files
 * (a RocksDB checkpoint) because the files depend on when flushes and compactions ran, so two
 * replicas holding the same entries would write different bytes, and f+1 replicas could never
 * vouch for the same checkpoint digest; iterating gives equal bytes for equal states.
 *
 * <p>Threads. {@link #execute}, {@link #query}, {@link #openSnapshot}, the restores and
 * {@link #close} come from one thread; only an open snapshot's {@code writeTo} and
 * {@code close} may come from others. {@link #close} first stops and releases every open
 * snapshot (a {@code writeTo} under way fails with an {@link IOException}) and only then closes
 * the database, so no native call ever runs against a closed one.
 */
public final class RocksKeyValueService implements Service, AutoCloseable {
    /** Largest write batch a restore accumulates before writing it. */
    public static final int RESTORE_BATCH_BYTES_MAX = 4 * 1024 * 1024;
    /** Buffer between the snapshot stream and its reader or writer. */
    private static final int STREAM_BUFFER_BYTES = 64 * 1024;

    private static final byte RESERVED_PREFIX = 0x00;
    private static final byte ENTRY_PREFIX = 0x01;
    private static final byte[] COUNT_KEY = {RESERVED_PREFIX, 'n'};
    private static final byte[] RESTORING_KEY = {RESERVED_PREFIX, 'r'};
    private static final byte[] ENTRIES_BEGIN = {ENTRY_PREFIX};
    private static final byte[] ENTRIES_END = {ENTRY_PREFIX + 1};

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final int entriesMax;
    private final Options options;
    private final RocksDB db;
    private final WriteOptions writeOptions;
    private final KvExecution execution;
    private final Set<OpenSnapshot> openSnapshots = ConcurrentHashMap.newKeySet();
    /** The entry count as stored under {@link #COUNT_KEY}. */
    private int count;
    private boolean restoreIncomplete;
    private volatile boolean closed;

    private RocksKeyValueService(Path dir, int entriesMax, Options options, RocksDB db) throws RocksDBException {
        this.dir = dir;
        this.entriesMax = entriesMax;
        this.options = options;
        this.db = db;
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        this.execution = new KvExecution(new RocksStore(), entriesMax);
        this.count = decodeCount(db.get(COUNT_KEY));
        this.restoreIncomplete = db.get(RESTORING_KEY) != null;
    }

    /**
     * Opens (creating if needed) the map in {@code dir}, bounded at {@link KeyValueService#ENTRIES_MAX_DEFAULT} keys.
     *
     * @param dir the database directory
     * @return the open service
     * @throws IOException if the directory cannot be created or the database cannot be opened
     */
    public static RocksKeyValueService open(Path dir) throws IOException {
        return open(dir, KeyValueService.ENTRIES_MAX_DEFAULT);
    }

    /**
     * Opens (creating if needed) the map in {@code dir}, refusing to create more than {@code entriesMax} keys.
     *
     * @param dir        the database directory
     * @param entriesMax the most keys the map holds, at least 1
     * @return the open service
     * @throws IOException if the directory cannot be created or the database cannot be opened
     */
    public static RocksKeyValueService open(Path dir, int entriesMax) throws IOException {
        Objects.requireNonNull(dir, "dir");
        KvExecution.checkEntriesMax(entriesMax);
        Files.createDirectories(dir);
        Options options = new Options().setCreateIfMissing(true);
        RocksDB db = null;
        try {
            db = RocksDB.open(options, dir.toString());
            return new RocksKeyValueService(dir, entriesMax, options, db);
        } catch (RocksDBException e) {
            if (db != null) {
                db.close();
            }
            options.close();
            throw new IOException("cannot open the key-value database in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Bytes execute(Bytes operation, ExecutionContext context) {
        checkUsable();
        return execution.execute(operation);
    }

    @Override
    public Bytes query(Bytes operation) {
        checkUsable();
        return execution.query(operation);
    }

    /**
     * The current value of {@code key}, for tests.
     *
     * @param key the key to look up
     * @return its value, or empty if the key is absent
     */
    public Optional<String> get(String key) {
        checkUsable();
        return Optional.ofNullable(read(key)).map(value -> new String(value, StandardCharsets.UTF_8));
    }

    /**
     * The map's size.
     *
     * @return the number of keys present
     */
    public int size() {
        checkUsable();
        return count;
    }

    @Override
    public Snapshot openSnapshot() {
        checkUsable();
        org.rocksdb.Snapshot view = db.getSnapshot();
        OpenSnapshot snapshot = new OpenSnapshot(view, new ReadOptions().setSnapshot(view).setFillCache(false));
        openSnapshots.add(snapshot);
        return snapshot;
    }

    @Override
    public Bytes snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Snapshot snapshot = openSnapshot()) {
            snapshot.writeTo(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("writing a snapshot to memory failed", e);
        }
        return Bytes.copyOf(bytes.toByteArray());
    }

    @Override
    public void restore(Bytes snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        try {
            restore(new ByteArrayInputStream(snapshot.toArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("restoring a snapshot from memory failed", e);
        }
    }

    /**
     * Replaces the whole map with the snapshot {@code in} holds, read to its end in batches of at
     * most {@link #RESTORE_BATCH_BYTES_MAX}. A malformed header throws before anything changes;
     * a malformation further on throws {@link IllegalArgumentException} after the old entries are
     * gone, and the service stays unusable until a restore succeeds. Open snapshots keep their
     * view of the old state.
     */
    @Override
    public void restore(InputStream in) throws IOException {
        checkOpen();
        try {
            KvSnapshotFormat.Reader reader = new KvSnapshotFormat.Reader(
                    new BufferedInputStream(in, STREAM_BUFFER_BYTES), entriesMax);
            clearForRestore();
            load(reader);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed key-value snapshot: " + e.getMessage()
                    + (restoreIncomplete ? " (the state is incomplete until a restore succeeds)" : ""), e);
        } catch (RocksDBException e) {
            throw new IOException("restoring into " + dir + " failed: " + e.getMessage(), e);
        }
    }

    private void clearForRestore() throws RocksDBException {
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(RESTORING_KEY, new byte[0]);
            batch.deleteRange(ENTRIES_BEGIN, ENTRIES_END);
            batch.put(COUNT_KEY, encodeCount(0));
            db.write(writeOptions, batch);
        }
        restoreIncomplete = true;
        count = 0;
    }

    private void load(KvSnapshotFormat.Reader reader) throws IOException, RocksDBException {
        try (WriteBatch batch = new WriteBatch()) {
            while (reader.hasNext()) {
                KvSnapshotFormat.Entry entry = reader.next();
                batch.put(storedKey(entry.key()), entry.valueUtf8());
                if (batch.getDataSize() >= RESTORE_BATCH_BYTES_MAX) {
                    db.write(writeOptions, batch);
                    batch.clear();
                }
            }
            reader.finish();
            batch.put(COUNT_KEY, encodeCount(reader.count()));
            batch.delete(RESTORING_KEY);
            db.write(writeOptions, batch);
        }
        count = reader.count();
        restoreIncomplete = false;
    }

    /**
     * Releases every open snapshot (stopping a {@code writeTo} under way), flushes the memtable
     * (writes skip the write-ahead log) and closes the database. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OpenSnapshot snapshot : openSnapshots) {
            snapshot.close();
        }
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush);
        } catch (RocksDBException e) {
            throw new IllegalStateException("flushing " + dir + " on close failed: " + e.getMessage(), e);
        } finally {
            writeOptions.close();
            db.close();
            options.close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the key-value database in " + dir + " is closed");
        }
    }

    private void checkUsable() {
        checkOpen();
        if (restoreIncomplete) {
            throw new IllegalStateException("the key-value database in " + dir
                    + " holds a partial state from an interrupted restore; restore a snapshot first");
        }
    }

    private byte[] read(String key) {
        try {
            return db.get(storedKey(key));
        } catch (RocksDBException e) {
            throw storageFailed("reading", e);
        }
    }

    /**
     * A failed read or write leaves the replica unable to know its state: it must stop, not
     * answer differently from the others.
     */
    private IllegalStateException storageFailed(String what, RocksDBException e) {
        return new IllegalStateException(what + " the key-value database in " + dir + " failed: " + e.getMessage(), e);
    }

    private static byte[] storedKey(String key) {
        byte[] utf16 = key.getBytes(StandardCharsets.UTF_16BE);
        byte[] stored = new byte[utf16.length + 1];
        stored[0] = ENTRY_PREFIX;
        System.arraycopy(utf16, 0, stored, 1, utf16.length);
        return stored;
    }

    private static byte[] userKeyUtf8(byte[] stored) {
        if (stored.length == 0 || stored[0] != ENTRY_PREFIX || stored.length % 2 != 1) {
            throw new IllegalStateException("stored key of " + stored.length + " bytes is not an entry key");
        }
        return new String(stored, 1, stored.length - 1, StandardCharsets.UTF_16BE).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] encodeCount(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    private static int decodeCount(byte[] stored) {
        if (stored == null) {
            return 0;
        }
        if (stored.length != 4) {
            throw new IllegalStateException("stored entry count has " + stored.length + " bytes, expected 4");
        }
        return ByteBuffer.wrap(stored).getInt();
    }

    /** The database as {@link KvExecution} sees it: one batch per change, count included. */
    private final class RocksStore implements KvStore {
        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(read(key)).map(value -> new String(value, StandardCharsets.UTF_8));
        }

        @Override
        public Optional<String> put(String key, String value) {
            byte[] stored = storedKey(key);
            byte[] previous = read(key);
            int after = previous == null ? count + 1 : count;
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(stored, value.getBytes(StandardCharsets.UTF_8));
                if (after != count) {
                    batch.put(COUNT_KEY, encodeCount(after));
                }
                db.write(writeOptions, batch);
            } catch (RocksDBException e) {
                throw storageFailed("writing", e);
            }
            count = after;
            return Optional.ofNullable(previous).map(v -> new String(v, StandardCharsets.UTF_8));
        }

        @Override
        public Optional<String> remove(String key) {
            byte[] previous = read(key);
            if (previous == null) {
                return Optional.empty();
            }
            try (WriteBatch batch = new WriteBatch()) {
                batch.delete(storedKey(key));
                batch.put(COUNT_KEY, encodeCount(count - 1));
                db.write(writeOptions, batch);
            } catch (RocksDBException e) {
                throw storageFailed("writing", e);
            }
            count--;
            return Optional.of(new String(previous, StandardCharsets.UTF_8));
        }

        @Override
        public int size() {
            return count;
        }
    }

    /**
     * A RocksDB snapshot and the read options that select it. Its lock keeps {@link #close}
     * from releasing them while {@link #writeTo} iterates; {@link #released} makes a
     * {@code writeTo} under way stop at its next entry, so a close waits at most one entry.
     */
    private final class OpenSnapshot implements Snapshot {
        private final org.rocksdb.Snapshot view;
        private final ReadOptions readOptions;
        private final ReentrantLock lock = new ReentrantLock();
        private volatile boolean released;
        private boolean nativeReleased;

        OpenSnapshot(org.rocksdb.Snapshot view, ReadOptions readOptions) {
            this.view = view;
            this.readOptions = readOptions;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            lock.lock();
            try {
                checkNotReleased();
                BufferedOutputStream buffered = new BufferedOutputStream(out, STREAM_BUFFER_BYTES);
                writeEntries(new KvSnapshotFormat.Writer(buffered));
                buffered.flush();
            } catch (RocksDBException e) {
                throw new IOException("reading a snapshot of " + dir + " failed: " + e.getMessage(), e);
            } finally {
                lock.unlock();
            }
        }

        private void writeEntries(KvSnapshotFormat.Writer writer) throws IOException, RocksDBException {
            int expected = decodeCount(db.get(readOptions, COUNT_KEY));
            writer.header(expected);
            int written = 0;
            try (RocksIterator entries = db.newIterator(readOptions)) {
                for (entries.seek(ENTRIES_BEGIN); entries.isValid(); entries.next()) {
                    checkNotReleased();
                    writer.entry(userKeyUtf8(entries.key()), entries.value());
                    written++;
                }
                entries.status();
            }
            if (written != expected) {
                throw new IllegalStateException("the key-value database in " + dir + " holds " + written
                        + " entries but counts " + expected);
            }
        }

        private void checkNotReleased() throws IOException {
            if (released) {
                throw new IOException("the snapshot of " + dir + " was closed"
                        + (closed ? " with its service" : "") + " while being written");
            }
        }

        @Override
        public void close() {
            released = true;
            if (lock.isHeldByCurrentThread()) {
                throw new IllegalStateException("a snapshot closed from within its own writeTo");
            }
            lock.lock();
            try {
                if (!nativeReleased) {
                    nativeReleased = true;
                    readOptions.close();
                    db.releaseSnapshot(view);
                    openSnapshots.remove(this);
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
