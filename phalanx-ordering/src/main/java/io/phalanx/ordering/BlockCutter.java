package io.phalanx.ordering;

import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts one channel's ordered envelopes into batches, one per block, by Fabric's rules: a block
 * holds at most {@link ChannelLimits#maxMessageCount} envelopes and stays within
 * {@link ChannelLimits#preferredMaxBytes}; an envelope larger than that, or one that must be
 * alone (a config envelope), goes into a block of its own after the pending ones are cut. It
 * depends on the envelopes and their order only, so every replica cuts at the same points; a
 * batch timeout is an ordered time-to-cut request ({@link #cut}), never a local timer.
 */
final class BlockCutter {
    private ChannelLimits limits;
    private final List<ByteString> pending = new ArrayList<>();
    private long pendingBytes;

    BlockCutter(ChannelLimits limits) {
        this.limits = limits;
    }

    /** Applies new limits from the next envelope on (a config block changed them). */
    void limits(ChannelLimits changed) {
        this.limits = changed;
    }

    ChannelLimits limits() {
        return limits;
    }

    /**
     * Adds the next ordered envelope.
     *
     * @param envelope the envelope's bytes
     * @param alone    whether it must be in a block of its own (a config envelope)
     * @return the batches this cuts, in order: none, one or two
     */
    List<List<ByteString>> ordered(ByteString envelope, boolean alone) {
        List<List<ByteString>> batches = new ArrayList<>(2);
        if (alone || envelope.size() > limits.preferredMaxBytes()) {
            if (!pending.isEmpty()) {
                batches.add(cut());
            }
            batches.add(List.of(envelope));
            return batches;
        }
        if (pendingBytes + envelope.size() > limits.preferredMaxBytes()) {
            batches.add(cut());
        }
        pending.add(envelope);
        pendingBytes += envelope.size();
        if (pending.size() >= limits.maxMessageCount()) {
            batches.add(cut());
        }
        return batches;
    }

    /**
     * Cuts the pending envelopes into a batch.
     *
     * @return the pending envelopes in order, possibly none
     */
    List<ByteString> cut() {
        List<ByteString> batch = List.copyOf(pending);
        pending.clear();
        pendingBytes = 0;
        return batch;
    }

    /** How many envelopes wait for their block. */
    int pendingCount() {
        return pending.size();
    }

    /** The envelopes waiting for their block, in order. */
    List<ByteString> pending() {
        return List.copyOf(pending);
    }

    /** Puts back envelopes a snapshot held pending. */
    void restorePending(List<ByteString> envelopes) {
        pending.clear();
        pendingBytes = 0;
        for (ByteString envelope : envelopes) {
            pending.add(envelope);
            pendingBytes += envelope.size();
        }
    }
}
