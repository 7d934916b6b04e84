package io.phalanx.sim.ordering;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The envelopes a run's clients sent last, shared by all of them, so that one client sends again
 * an envelope another sent, as a Fabric client broadcasting through several frontends makes them
 * do. Bounded: it keeps the last {@link #KEPT_MAX}. One per run, used from the simulation's one
 * thread.
 */
public final class SentEnvelopes {
    /** How many of the last envelopes a repeat is drawn from. */
    static final int KEPT_MAX = 32;

    private final List<ByteString> kept = new ArrayList<>();
    private int next;

    /**
     * Remembers an envelope a client sent.
     *
     * @param envelope its bytes
     */
    void add(ByteString envelope) {
        if (kept.size() < KEPT_MAX) {
            kept.add(envelope);
        } else {
            kept.set(next, envelope);
            next = (next + 1) % KEPT_MAX;
        }
    }

    /**
     * One of the last envelopes sent, or null if none was.
     *
     * @param random where the choice is drawn from
     * @return the envelope
     */
    ByteString any(SplittableRandom random) {
        return kept.isEmpty() ? null : kept.get(random.nextInt(kept.size()));
    }
}
