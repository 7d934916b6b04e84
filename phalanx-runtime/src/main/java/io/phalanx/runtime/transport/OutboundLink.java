package io.phalanx.runtime.transport;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sending side of one authenticated connection, with its bounds: at most
 * {@code framesMax} frames in flight (written but not yet on the wire), and nothing accepted
 * while Netty reports the channel unwritable (its queued bytes passed the high water mark,
 * set to {@code outboundQueueBytesMax}). A refused frame is dropped and counted; the protocol
 * above retransmits, so dropping is safe while buffering without bound is not.
 */
final class OutboundLink {
    private final long peerId;
    private final Channel channel;
    private final int framesMax;
    private final TransportMetrics metrics;
    private final AtomicInteger framesPending = new AtomicInteger();

    OutboundLink(long peerId, Channel channel, int framesMax, TransportMetrics metrics) {
        this.peerId = peerId;
        this.channel = channel;
        this.framesMax = framesMax;
        this.metrics = metrics;
    }

    long peerId() {
        return peerId;
    }

    Channel channel() {
        return channel;
    }

    int framesPending() {
        return framesPending.get();
    }

    /** Queues {@code frame} for writing; false (and counted as dropped) if a bound is reached. */
    boolean offer(byte[] frame) {
        if (!channel.isActive() || !channel.isWritable()) {
            metrics.frameDropped();
            return false;
        }
        if (framesPending.incrementAndGet() > framesMax) {
            framesPending.decrementAndGet();
            metrics.frameDropped();
            return false;
        }
        channel.writeAndFlush(Frames.encode(frame)).addListener(future -> {
            framesPending.decrementAndGet();
            if (future.isSuccess()) {
                metrics.frameOut();
            } else {
                metrics.frameDropped();
            }
        });
        return true;
    }
}
