package io.phalanx.kv;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replicated key-value service: a deterministic in-memory map from string keys to string
 * values. {@code phalanx replica} runs it, and the simulator runs it both as its replicated
 * application and as its checkers' reference model. {@link RocksKeyValueService} gives the same
 * results from a map on disk.
 *
 * <p>It never throws on input that arrives over the network: malformed operation bytes, a write
 * sent to {@link #query}, a non-numeric counter or a full map all produce a {@link KvResult.Error}
 * (the same one on every correct replica; {@link KvExecution} holds these semantics). Only
 * {@link #restore} throws, because a bad snapshot is a bug in state transfer that must stop the
 * replica, not a client mistake.
 *
 * <p>The map is a {@link TreeMap} so that {@link #snapshot} iterates keys in one order and equal
 * states give equal bytes. Snapshot layout ({@link KvSnapshotFormat}): version byte, 4-byte entry
 * count, then each entry as key and value strings in strictly ascending key order.
 */
public final class KeyValueService implements Service {
    /** Snapshot format version. */
    public static final byte SNAPSHOT_VERSION = KvSnapshotFormat.VERSION;
    /** Default bound on the number of keys. */
    public static final int ENTRIES_MAX_DEFAULT = 1_000_000;

    private final int entriesMax;
    private final KvExecution execution;
    private TreeMap<String, String> entries = new TreeMap<>();

    /** A map bounded at {@link #ENTRIES_MAX_DEFAULT} keys. */
    public KeyValueService() {
        this(ENTRIES_MAX_DEFAULT);
    }

    /**
     * A map that refuses to create more than {@code entriesMax} keys.
     *
     * @param entriesMax the most keys the map holds, at least 1
     * @throws IllegalArgumentException if {@code entriesMax} is below 1
     */
    public KeyValueService(int entriesMax) {
        this.entriesMax = KvExecution.checkEntriesMax(entriesMax);
        this.execution = new KvExecution(new TreeMapStore(), entriesMax);
    }

    @Override
    public Bytes execute(Bytes operation, ExecutionContext context) {
        return execution.execute(operation);
    }

    @Override
    public Bytes query(Bytes operation) {
        return execution.query(operation);
    }

    /**
     * The current value of {@code key}, for tests and the reference model.
     *
     * @param key the key to look up
     * @return its value, or empty if the key is absent
     */
    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /**
     * The map's size.
     *
     * @return the number of keys present
     */
    public int size() {
        return entries.size();
    }

    @Override
    public Bytes snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            KvSnapshotFormat.Writer out = new KvSnapshotFormat.Writer(bytes);
            out.header(entries.size());
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                out.entry(KvCodec.utf8(entry.getKey(), "key", KvOperation.KEY_BYTES_MAX),
                        KvCodec.utf8(entry.getValue(), "value", KvOperation.VALUE_BYTES_MAX));
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array output stream failed", e);
        }
        return Bytes.copyOf(bytes.toByteArray());
    }

    /**
     * Replaces the whole map with the snapshot's. All or nothing: on a malformed snapshot it
     * throws {@link IllegalArgumentException} and leaves the current state untouched.
     */
    @Override
    public void restore(Bytes snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        try {
            entries = decodeSnapshot(snapshot);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed key-value snapshot (" + snapshot.length() + " bytes): "
                    + e.getMessage(), e);
        }
    }

    private TreeMap<String, String> decodeSnapshot(Bytes snapshot) {
        TreeMap<String, String> restored = new TreeMap<>();
        try {
            KvSnapshotFormat.Reader in = new KvSnapshotFormat.Reader(new ByteArrayInputStream(snapshot.toArray()),
                    entriesMax);
            while (in.hasNext()) {
                KvSnapshotFormat.Entry entry = in.next();
                restored.put(entry.key(), entry.value());
            }
            in.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array input stream failed", e);
        }
        return restored;
    }

    /** The map as {@link KvExecution} sees it; reads {@link #entries} anew, as restore replaces it. */
    private final class TreeMapStore implements KvStore {
        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(entries.get(key));
        }

        @Override
        public Optional<String> put(String key, String value) {
            return Optional.ofNullable(entries.put(key, value));
        }

        @Override
        public Optional<String> remove(String key) {
            return Optional.ofNullable(entries.remove(key));
        }

        @Override
        public int size() {
            return entries.size();
        }
    }
}
