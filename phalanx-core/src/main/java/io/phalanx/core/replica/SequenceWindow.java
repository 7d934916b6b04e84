package io.phalanx.core.replica;

import java.util.List;
import java.util.TreeSet;

/**
 * Which sequence numbers of one client are done (decided, or executed), with bounded memory.
 *
 * <p>A client may have several requests outstanding and they may be decided out of order, so a
 * single "last sequence" is not enough. Everything up to {@code low} is done; done numbers above
 * {@code low} are kept individually. A client may only use numbers in
 * {@code (low, low + windowMax]}, which bounds that set.
 *
 * <p>Sessions. The high 32 bits of a sequence number are the client's session (see
 * {@link #sessionOf}): a client process that starts again under the same id picks a higher
 * session and numbers from 1 in it. Numbers of a newer session are never done and are admitted
 * from the session's start; the first one marked done starts the new session, and every number
 * of older sessions then counts as done (that process is gone; its requests must not run now).
 *
 * <p>A session this replica has not seen begin is admitted only from its first window: a
 * replica that lost its state (restarted without durable storage) cannot tell which later
 * numbers already ran, so admitting them could run one twice, or count numbers below them as
 * done that never ran. Requests refused for either session rule are answered with a
 * {@code Refusal} (see {@code RequestAdmission}), never with silence.
 */
final class SequenceWindow {
    private final int windowMax;
    private long low;
    private final TreeSet<Long> doneAboveLow = new TreeSet<>();

    SequenceWindow(int windowMax) {
        this.windowMax = windowMax;
    }

    /** The session a sequence number belongs to: its high 32 bits. */
    static long sessionOf(long sequence) {
        return sequence >>> 32;
    }

    boolean isDone(long sequence) {
        long session = sessionOf(sequence);
        if (session != sessionOf(low)) {
            return session < sessionOf(low);
        }
        return sequence <= low || doneAboveLow.contains(sequence);
    }

    /**
     * True if {@code sequence} belongs to a session older than the latest one begun: that session
     * is over, and none of its requests runs any more.
     */
    boolean isSuperseded(long sequence) {
        return sessionOf(sequence) < sessionOf(low);
    }

    /**
     * True if {@code sequence} is of a session newer than any begun here and beyond that
     * session's first window: nothing tells this replica which of its earlier numbers ran.
     */
    boolean isUnknownSession(long sequence) {
        return sessionOf(sequence) > sessionOf(low) && !admitsFirst(sequence, windowMax);
    }

    /** True if the client may use {@code sequence} now (not done, and within the window). */
    boolean admits(long sequence) {
        if (sessionOf(sequence) > sessionOf(low)) {
            return admitsFirst(sequence, windowMax);
        }
        return !isDone(sequence) && sequence <= low + windowMax;
    }

    /** True if {@code sequence} is within the first window of its session (nothing of it done yet). */
    static boolean admitsFirst(long sequence, int windowMax) {
        long counter = sequence & 0xffff_ffffL;
        return counter >= 1 && counter <= windowMax;
    }

    /** Marks {@code sequence} done; returns true if it started a newer session. */
    boolean markDone(long sequence) {
        boolean newSession = sessionOf(sequence) > sessionOf(low);
        if (newSession) {
            low = sessionOf(sequence) << 32;
            doneAboveLow.clear();
        }
        if (sequence <= low || sessionOf(sequence) < sessionOf(low)) {
            return newSession;
        }
        doneAboveLow.add(sequence);
        while (!doneAboveLow.isEmpty() && doneAboveLow.first() == low + 1) {
            doneAboveLow.pollFirst();
            low++;
        }
        return newSession;
    }

    long low() {
        return low;
    }

    /** The done numbers above {@code low}, ascending: with {@code low}, all a checkpoint needs. */
    List<Long> doneAboveLow() {
        return List.copyOf(doneAboveLow);
    }

    /** A window as a checkpoint recorded it. */
    static SequenceWindow restored(int windowMax, long low, List<Long> doneAboveLow) {
        SequenceWindow window = new SequenceWindow(windowMax);
        window.low = low;
        window.doneAboveLow.addAll(doneAboveLow);
        return window;
    }
}
