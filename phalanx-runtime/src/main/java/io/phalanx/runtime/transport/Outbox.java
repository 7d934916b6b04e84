package io.phalanx.runtime.transport;

import io.netty.channel.Channel;
import io.phalanx.runtime.config.Limits;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sending half of one transport (a replica's mesh, its client port, a client's connector):
 * the bounded {@link OutboundLink} of every connected peer, by peer id, and the transport's
 * counters. It exists before its transport, so that what sends through it is built with it:
 * a replica builds its outboxes, then the loops that send through them, then the transports,
 * each with its outbox and with the loop that takes the frames it reads ({@link FrameHandler},
 * {@link ClientFrameHandler}). Nothing is bound later, and nothing is sent to a placeholder.
 *
 * <p>A frame for a peer that has no connection (not yet admitted, down, or the transport
 * closed) is dropped and counted, like one refused by a full queue; the protocols above
 * retransmit. Thread-safe: the protocol, execution and application threads send at once.
 */
public final class Outbox {
    private final int framesMax;
    private final int frameBytesMax;
    private final TransportMetrics metrics = new TransportMetrics();
    private final ConcurrentHashMap<Long, OutboundLink> links = new ConcurrentHashMap<>();
    /** The transport that registers connections here; one at most, or peer ids of two kinds would mix. */
    private final AtomicReference<String> transport = new AtomicReference<>();

    /**
     * An outbox with no connection yet.
     *
     * @param limits {@code outboundQueueFramesMax} bounds each peer's queue, {@code frameBytesMax}
     *               each frame
     */
    public Outbox(Limits limits) {
        this.framesMax = limits.outboundQueueFramesMax();
        this.frameBytesMax = limits.frameBytesMax();
    }

    /**
     * Queues {@code frame} for peer {@code peerId}. Ownership of the array passes to the
     * transport: do not modify it afterwards.
     *
     * @param peerId a replica id on a mesh or a client connector, a client id on a client port
     * @param frame  the encoded message
     * @return false, and a drop counted, when the peer is not connected or its queue is full
     * @throws IllegalArgumentException if the frame exceeds {@code limits.frameBytesMax}: every
     *                                  receiver enforces the limit, so a larger frame would only
     *                                  get the connection closed (a bug in the caller, not a
     *                                  network condition)
     */
    public boolean send(long peerId, byte[] frame) {
        if (frame.length > frameBytesMax) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes exceeds frameBytesMax "
                    + frameBytesMax);
        }
        OutboundLink link = links.get(peerId);
        if (link == null) {
            metrics.frameDropped();
            return false;
        }
        return link.offer(frame);
    }

    /**
     * The peers with an authenticated connection now.
     *
     * @return their ids, a copy
     */
    public Set<Long> connected() {
        return Set.copyOf(links.keySet());
    }

    /**
     * Frames queued for a peer and not yet written.
     *
     * @param peerId the peer
     * @return at most {@code outboundQueueFramesMax}; 0 if it is not connected
     */
    public int framesPending(long peerId) {
        OutboundLink link = links.get(peerId);
        return link == null ? 0 : link.framesPending();
    }

    /**
     * The counters of the transport this outbox belongs to, inbound events included.
     *
     * @return the live counters
     */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** Claims this outbox for the transport {@code name}; an outbox serves one transport only. */
    void attach(String name) {
        String previous = transport.compareAndExchange(null, name);
        if (previous != null) {
            throw new IllegalStateException("outbox already used by " + previous + "; " + name + " needs its own");
        }
    }

    /** Sends to {@code peerId} over {@code channel} from now on; returns the link it replaces, or null. */
    OutboundLink register(long peerId, Channel channel) {
        return links.put(peerId, new OutboundLink(peerId, channel, framesMax, metrics));
    }

    /** Forgets {@code peerId}'s link if it still sends over {@code channel}; true if it did. */
    boolean unregister(long peerId, Channel channel) {
        OutboundLink current = links.get(peerId);
        return current != null && current.channel() == channel && links.remove(peerId, current);
    }

    /** The channel registered for {@code peerId}, or null; tests use it to misbehave on purpose. */
    Channel channel(long peerId) {
        OutboundLink link = links.get(peerId);
        return link == null ? null : link.channel();
    }

    /** Closes every registered channel (the transport is closing). */
    void closeAll() {
        links.values().forEach(link -> link.channel().close());
    }
}
