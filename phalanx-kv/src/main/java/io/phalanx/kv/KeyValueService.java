package io.phalanx.kv;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replicated key-value service: a deterministic in-memory map from string keys to string
 * values. {@code phalanx replica} runs it, and the simulator runs it both as its replicated
 * application and as its checkers' reference model.
 *
 * <p>It never throws on input that arrives over the network: malformed operation bytes, a write
 * sent to {@link #query}, a non-numeric counter or a full map all produce a {@link KvResult.Error}
 * (the same one on every correct replica). Only {@link #restore} throws, because a bad snapshot
 * is a bug in state transfer that must stop the replica, not a client mistake.
 *
 * <p>The map is a {@link TreeMap} so that {@link #snapshot} iterates keys in one order and equal
 * states give equal bytes. Snapshot layout: version byte, 4-byte entry count, then each entry as
 * key and value strings in strictly ascending key order.
 */
public final class KeyValueService implements Service {
    /** Snapshot format version. */
    public static final byte SNAPSHOT_VERSION = 1;
    /** Default bound on the number of keys. */
    public static final int ENTRIES_MAX_DEFAULT = 1_000_000;

    /** How much of a user-supplied string an error message quotes. */
    private static final int QUOTED_CHARS_MAX = 64;
    /** How much of a decoder's complaint an error message quotes (it never contains user data). */
    private static final int REASON_CHARS_MAX = 512;

    private final int entriesMax;
    private TreeMap<String, String> entries = new TreeMap<>();

    /** A map bounded at {@link #ENTRIES_MAX_DEFAULT} keys. */
    public KeyValueService() {
        this(ENTRIES_MAX_DEFAULT);
    }

    /** A map that refuses to create more than {@code entriesMax} keys. */
    public KeyValueService(int entriesMax) {
        if (entriesMax < 1) {
            throw new IllegalArgumentException("entriesMax must be >= 1, got " + entriesMax);
        }
        this.entriesMax = entriesMax;
    }

    @Override
    public Bytes execute(Bytes operation, ExecutionContext context) {
        KvOperation op;
        try {
            op = KvOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return malformed(e);
        }
        return apply(op).encode();
    }

    @Override
    public Bytes query(Bytes operation) {
        KvOperation op;
        try {
            op = KvOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return malformed(e);
        }
        if (!op.readOnly()) {
            return error("query accepts only read-only operations, got " + abbreviate(op.toString()));
        }
        return apply(op).encode();
    }

    /** The current value of {@code key}, for tests and the reference model. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** Number of keys present. */
    public int size() {
        return entries.size();
    }

    @Override
    public Bytes snapshot() {
        KvCodec.Out out = new KvCodec.Out().u8(SNAPSHOT_VERSION).i32(entries.size());
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            out.string(entry.getKey(), "key", KvOperation.KEY_BYTES_MAX);
            out.string(entry.getValue(), "value", KvOperation.VALUE_BYTES_MAX);
        }
        return out.toBytes();
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
        KvCodec.In in = new KvCodec.In(snapshot);
        int version = in.u8("snapshot version");
        if (version != SNAPSHOT_VERSION) {
            throw new IllegalArgumentException("unknown snapshot version " + version + ", expected " + SNAPSHOT_VERSION);
        }
        int count = in.length("entry count", entriesMax);
        TreeMap<String, String> restored = new TreeMap<>();
        String previous = null;
        for (int i = 0; i < count; i++) {
            String key = in.string("key of entry " + i, KvOperation.KEY_BYTES_MAX);
            if (previous != null && previous.compareTo(key) >= 0) {
                throw new IllegalArgumentException("keys not in strictly ascending order at entry " + i);
            }
            restored.put(key, in.string("value of entry " + i, KvOperation.VALUE_BYTES_MAX));
            previous = key;
        }
        in.expectEnd("snapshot");
        return restored;
    }

    private KvResult apply(KvOperation op) {
        if (op instanceof KvOperation.Put put) {
            return put(put);
        } else if (op instanceof KvOperation.Get get) {
            return new KvResult.Value(get(get.key()));
        } else if (op instanceof KvOperation.Delete delete) {
            return new KvResult.Value(Optional.ofNullable(entries.remove(delete.key())));
        } else if (op instanceof KvOperation.Cas cas) {
            return cas(cas);
        } else if (op instanceof KvOperation.Incr incr) {
            return incr(incr);
        }
        throw new IllegalStateException("unhandled operation type " + op.getClass().getName());
    }

    private KvResult put(KvOperation.Put put) {
        if (isFullFor(put.key())) {
            return full(put.key());
        }
        return new KvResult.Value(Optional.ofNullable(entries.put(put.key(), put.value())));
    }

    private KvResult cas(KvOperation.Cas cas) {
        Optional<String> current = get(cas.key());
        if (!current.equals(cas.expected())) {
            return new KvResult.CasResult(false, current);
        }
        if (isFullFor(cas.key())) {
            return full(cas.key());
        }
        entries.put(cas.key(), cas.newValue());
        return new KvResult.CasResult(true, Optional.of(cas.newValue()));
    }

    private KvResult incr(KvOperation.Incr incr) {
        String current = entries.getOrDefault(incr.key(), "0");
        long sum;
        try {
            sum = Math.addExact(Long.parseLong(current), incr.delta());
        } catch (NumberFormatException e) {
            return new KvResult.Error("INCR " + abbreviate(incr.key()) + ": value '" + abbreviate(current)
                    + "' is not a decimal integer");
        } catch (ArithmeticException e) {
            return new KvResult.Error("INCR " + abbreviate(incr.key()) + ": " + current + " + " + incr.delta()
                    + " overflows a 64-bit counter");
        }
        if (isFullFor(incr.key())) {
            return full(incr.key());
        }
        entries.put(incr.key(), Long.toString(sum));
        return new KvResult.Counter(sum);
    }

    private boolean isFullFor(String key) {
        return entries.size() >= entriesMax && !entries.containsKey(key);
    }

    private KvResult full(String key) {
        return new KvResult.Error("map is full (" + entriesMax + " keys), cannot create key " + abbreviate(key));
    }

    private static Bytes malformed(IllegalArgumentException e) {
        return error("malformed operation: " + abbreviate(String.valueOf(e.getMessage()), REASON_CHARS_MAX));
    }

    private static Bytes error(String message) {
        return new KvResult.Error(message).encode();
    }

    private static String abbreviate(String text) {
        return abbreviate(text, QUOTED_CHARS_MAX);
    }

    /**
     * At most {@code codePointsMax} code points of {@code text}, so error messages stay within
     * their bound; cuts between code points, never inside a surrogate pair.
     */
    private static String abbreviate(String text, int codePointsMax) {
        if (text.codePointCount(0, text.length()) <= codePointsMax) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, codePointsMax)) + "...";
    }
}
