package io.phalanx.runtime;

import java.util.function.Consumer;

/**
 * Passes the latest of a series of values from a part built early to a part built later: a
 * replica's protocol loop publishes the views its mesh's peers follow, and a client's loop the
 * views its transport dials, but each loop is built (and may publish) before the transport it
 * feeds, which is built with the loop as its frame handler. Values published before the
 * receiver is attached are not lost: it gets the latest one when it attaches, then every later
 * one, in order. Thread-safe; the receiver runs under this object's lock.
 *
 * @param <T> the values passed
 */
final class Handoff<T> implements Consumer<T> {
    private T latest;
    private Consumer<T> receiver;

    /** The value to pass on now. */
    @Override
    public synchronized void accept(T value) {
        latest = value;
        if (receiver != null) {
            receiver.accept(value);
        }
    }

    /** The receiver, once built: it gets the latest value published so far, if any, and every later one. */
    synchronized void attach(Consumer<T> built) {
        receiver = built;
        if (latest != null) {
            built.accept(latest);
        }
    }

    /** The value published last, or {@code fallback} if none was yet. */
    synchronized T latest(T fallback) {
        return latest == null ? fallback : latest;
    }
}
