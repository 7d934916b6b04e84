package io.phalanx.sim;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Message;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The simulated network: every message is encoded with the real codec, delayed by a seeded
 * random amount (occasionally by a latency spike), possibly duplicated, and decoded on arrival.
 * Independent delays reorder messages. Messages to or from a crashed node vanish.
 *
 * <p>Nodes are addressed by int: replicas by their id (>= 0), clients by minus their client id.
 */
final class SimNetwork {
    /** Where delivered bytes go. */
    interface Receiver {
        void deliver(int from, int to, byte[] bytes);
    }

    private final EventQueue queue;
    private final SplittableRandom random;
    private final SimConfig config;
    private final Trace trace;
    private final MessageCodec codec;
    private final Receiver receiver;
    long messagesSent;
    long duplicates;

    SimNetwork(EventQueue queue, SplittableRandom random, SimConfig config, Trace trace, MessageCodec codec,
               Receiver receiver) {
        this.queue = queue;
        this.random = random;
        this.config = config;
        this.trace = trace;
        this.codec = codec;
        this.receiver = receiver;
    }

    void send(int from, int to, Message message) {
        byte[] bytes;
        try {
            bytes = codec.encode(message);
        } catch (CodecException e) {
            throw new IllegalStateException("a correct node produced an unencodable message: " + e.getMessage(), e);
        }
        messagesSent++;
        long fingerprint = 31L * (31L * from + to) + Arrays.hashCode(bytes);
        trace.record(queue.now(), fingerprint, () -> Describe.node(from) + " -> " + Describe.node(to) + "  "
                + Describe.message(message));
        schedule(from, to, bytes);
        if (random.nextInt(100) < config.duplicatePercent()) {
            duplicates++;
            schedule(from, to, bytes);
        }
    }

    private void schedule(int from, int to, byte[] bytes) {
        long delay = config.delayMinMs() + random.nextInt(config.delayMaxMs() - config.delayMinMs() + 1);
        if (random.nextInt(100) < config.spikePercent()) {
            delay += random.nextInt(config.spikeMaxMs() + 1);
        }
        queue.at(queue.now() + delay, () -> receiver.deliver(from, to, bytes));
    }
}
