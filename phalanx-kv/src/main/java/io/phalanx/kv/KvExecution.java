package io.phalanx.kv;

import io.phalanx.core.message.Bytes;

import java.util.Objects;
import java.util.Optional;

/**
 * The key-value operations' semantics, shared by every store: decodes an operation, applies it
 * to a {@link KvStore} bounded at {@code entriesMax} keys, and encodes the result.
 *
 * <p>It never throws on input that arrives over the network: malformed operation bytes, a write
 * sent to {@link #query}, a non-numeric counter or a full map all produce a {@link KvResult.Error}
 * (the same one on every correct replica).
 */
final class KvExecution {
    /** How much of a user-supplied string an error message quotes. */
    private static final int QUOTED_CHARS_MAX = 64;
    /** How much of a decoder's complaint an error message quotes (it never contains user data). */
    private static final int REASON_CHARS_MAX = 512;

    private final KvStore store;
    private final int entriesMax;

    KvExecution(KvStore store, int entriesMax) {
        this.store = Objects.requireNonNull(store, "store");
        this.entriesMax = checkEntriesMax(entriesMax);
    }

    /** {@code entriesMax} if it is a valid bound, otherwise an {@link IllegalArgumentException}. */
    static int checkEntriesMax(int entriesMax) {
        if (entriesMax < 1) {
            throw new IllegalArgumentException("entriesMax must be >= 1, got " + entriesMax);
        }
        return entriesMax;
    }

    /** Executes an ordered operation; see {@link io.phalanx.core.service.Service#execute}. */
    Bytes execute(Bytes operation) {
        KvOperation op;
        try {
            op = KvOperation.decode(operation);
        } catch (IllegalArgumentException e) {
            return malformed(e);
        }
        return apply(op).encode();
    }

    /** Answers a read-only operation; see {@link io.phalanx.core.service.Service#query}. */
    Bytes query(Bytes operation) {
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

    private KvResult apply(KvOperation op) {
        if (op instanceof KvOperation.Put put) {
            return put(put);
        } else if (op instanceof KvOperation.Get get) {
            return new KvResult.Value(store.get(get.key()));
        } else if (op instanceof KvOperation.Delete delete) {
            return new KvResult.Value(store.remove(delete.key()));
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
        return new KvResult.Value(store.put(put.key(), put.value()));
    }

    private KvResult cas(KvOperation.Cas cas) {
        Optional<String> current = store.get(cas.key());
        if (!current.equals(cas.expected())) {
            return new KvResult.CasResult(false, current);
        }
        if (current.isEmpty() && store.size() >= entriesMax) {
            return full(cas.key());
        }
        store.put(cas.key(), cas.newValue());
        return new KvResult.CasResult(true, Optional.of(cas.newValue()));
    }

    private KvResult incr(KvOperation.Incr incr) {
        Optional<String> present = store.get(incr.key());
        String current = present.orElse("0");
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
        if (present.isEmpty() && store.size() >= entriesMax) {
            return full(incr.key());
        }
        store.put(incr.key(), Long.toString(sum));
        return new KvResult.Counter(sum);
    }

    private boolean isFullFor(String key) {
        return store.size() >= entriesMax && store.get(key).isEmpty();
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
