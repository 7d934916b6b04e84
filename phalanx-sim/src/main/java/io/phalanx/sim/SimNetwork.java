package io.phalanx.sim;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Message;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulated network: every message is encoded with the real codec, delayed by a seeded
 * random amount (occasionally by a latency spike), possibly duplicated, and decoded on arrival.
 * Independent delays reorder messages. Before the global stabilization time (GST) it also loses
 * messages and honours partitions (directed links cut for a while); from GST on, every message
 * arrives within {@code delayMaxMs + spikeMaxMs}.
 *
 * <p>Nodes are addressed by int: replicas by their id (>= 0), clients by minus their client id.
 */
final class SimNetwork {
    /** Where delivered bytes go. */
    interface Receiver {
        /** {@code side} is the sending twin's side, or -1 when the sender is not a twin. */
        void deliver(int from, int to, byte[] bytes, int side);
    }

    private final EventQueue queue;
    private final SplittableRandom random;
    private final SimConfig config;
    private final Trace trace;
    private final MessageCodec codec;
    private final Receiver receiver;
    private final Set<Fault> fired;
    private final Adversary adversary;
    private final Set<Long> cutLinks = new HashSet<>();
    long messagesSent;
    long duplicates;
    long dropped;

    SimNetwork(EventQueue queue, SplittableRandom random, SimConfig config, Trace trace, MessageCodec codec,
               Receiver receiver, Set<Fault> fired, Adversary adversary) {
        this.adversary = adversary;
        this.queue = queue;
        this.random = random;
        this.config = config;
        this.trace = trace;
        this.codec = codec;
        this.receiver = receiver;
        this.fired = fired;
    }

    void send(int from, int to, Message message) {
        send(from, to, message, -1);
    }

    void send(int from, int to, Message message, int side) {
        byte[] bytes;
        try {
            bytes = codec.encode(message);
        } catch (CodecException e) {
            throw new IllegalStateException("a node produced an unencodable message: " + e.getMessage(), e);
        }
        long fingerprint = 31L * (31L * from + to) + Arrays.hashCode(bytes);
        trace.record(queue.now(), fingerprint, () -> Describe.node(from) + Describe.twin(side) + " -> "
                + Describe.node(to) + "  " + Describe.message(message));
        transmit(from, to, bytes, side, message);
    }

    /** Sends bytes that may not decode (a Byzantine node's garbage). */
    void sendRaw(int from, int to, byte[] bytes, String what) {
        sendRaw(from, to, bytes, what, -1);
    }

    void sendRaw(int from, int to, byte[] bytes, String what, int side) {
        trace.record(queue.now(), 31L * (31L * from + to) + Arrays.hashCode(bytes), () -> Describe.node(from) + Describe.twin(side)
                + " -> " + Describe.node(to) + "  " + what + " (" + bytes.length + " bytes)");
        transmit(from, to, bytes, side, null);
    }

    /** {@code message} is null for raw bytes; the adversary then looks at the endpoints only. */
    private void transmit(int from, int to, byte[] bytes, int side, Message message) {
        messagesSent++;
        if (queue.now() < config.gstMs()) {
            if (cutLinks.contains(link(from, to)) || !adversary.admits(from, to, message)) {
                dropped++;
                return;
            }
            if (random.nextInt(100) < config.dropPercent()) {
                dropped++;
                fired.add(Fault.DROP);
                return;
            }
        }
        schedule(from, to, bytes, side);
        if (random.nextInt(100) < config.duplicatePercent()) {
            duplicates++;
            schedule(from, to, bytes, side);
        }
    }

    /** Cuts (or restores) the directed link from {@code from} to {@code to}; only effective before GST. */
    void cut(int from, int to, boolean isCut) {
        if (isCut) {
            cutLinks.add(link(from, to));
        } else {
            cutLinks.remove(link(from, to));
        }
    }

    void healAll() {
        cutLinks.clear();
    }

    private static long link(int from, int to) {
        return ((long) from << 32) ^ (to & 0xffffffffL);
    }

    private void schedule(int from, int to, byte[] bytes, int side) {
        long delay = config.delayMinMs() + random.nextInt(config.delayMaxMs() - config.delayMinMs() + 1);
        if (random.nextInt(100) < config.spikePercent()) {
            delay += random.nextInt(config.spikeMaxMs() + 1);
            fired.add(Fault.SPIKE);
        }
        queue.at(queue.now() + delay, () -> receiver.deliver(from, to, bytes, side));
    }
}
