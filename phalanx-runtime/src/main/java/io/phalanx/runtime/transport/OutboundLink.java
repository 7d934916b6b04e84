package io.phalanx.runtime.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sending side of one authenticated connection, with its bounds: at most
 * {@code framesMax} frames in flight (queued here or written but not yet on the wire), and
 * nothing accepted while the bytes queued here plus those Netty holds pass its high water mark
 * ({@code outboundQueueBytesMax}). A refused frame is dropped and counted; the protocol above
 * retransmits, so dropping is safe while buffering without bound is not.
 *
 * <p>Why a queue of our own: frames come from the execution and application threads and from
 * protocol steps in read callbacks, often several per read batch. A {@code writeAndFlush} per
 * frame costs one TLS record (an AES-GCM seal plus header and tag) and one {@code write}
 * syscall per frame, and from another thread one event loop task too, which profiles showed as
 * most of a load generator's CPU. Instead
 * {@link #offer} appends to {@link #queued} and schedules at most one drain task; the drain
 * writes every frame queued by the time it runs and flushes once, so the TLS layer seals the
 * whole batch into as few records as its 16 KiB record limit allows. An idle link adds no
 * delay: the first frame schedules the drain at once, exactly the one event-loop hop a
 * {@code writeAndFlush} from another thread took. Batches are whatever accumulated while the
 * event loop was busy or waking up, so they grow with load and shrink to one frame when idle.
 *
 * <p>Netty's {@code FlushConsolidationHandler} is not used: it merges flushes issued during a
 * read or by consecutive event-loop tasks, but here every flush already comes from one drain
 * per batch, and with {@code consolidateWhenNoReadInProgress} it would only add a second task
 * hop per batch.
 */
final class OutboundLink {
    private final long peerId;
    private final Channel channel;
    private final int framesMax;
    private final TransportMetrics metrics;
    /** Frames reserved in {@link #framesPending}, hence at most {@code framesMax}. */
    private final Queue<byte[]> queued = new ConcurrentLinkedQueue<>();
    private final AtomicLong bytesQueued = new AtomicLong();
    private final AtomicInteger framesPending = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final ChannelFutureListener onWritten = this::written;

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
        // bytesBeforeUnwritable() is 0 once unwritable; like a write, the frame that crosses the
        // high water mark is still accepted.
        if (!channel.isActive() || !channel.isWritable() || bytesQueued.get() > channel.bytesBeforeUnwritable()) {
            metrics.frameDropped();
            return false;
        }
        if (framesPending.incrementAndGet() > framesMax) {
            framesPending.decrementAndGet();
            metrics.frameDropped();
            return false;
        }
        bytesQueued.addAndGet(frame.length);
        queued.add(frame);
        if (drainScheduled.compareAndSet(false, true)) {
            scheduleDrain();
        }
        return true;
    }

    private void scheduleDrain() {
        try {
            channel.eventLoop().execute(this::drain);
        } catch (RejectedExecutionException shuttingDown) {
            discardQueued();
        }
    }

    /** On the event loop: writes everything queued, then flushes once. */
    private void drain() {
        // Cleared before polling: a frame queued after the last poll below schedules a new drain.
        drainScheduled.set(false);
        int batch = 0;
        for (byte[] frame = queued.poll(); frame != null; frame = queued.poll()) {
            bytesQueued.addAndGet(-frame.length);
            channel.write(Frames.encode(frame)).addListener(onWritten);
            batch++;
        }
        if (batch > 0) {
            channel.flush();
            metrics.flush();
        }
    }

    private void written(ChannelFuture future) {
        framesPending.decrementAndGet();
        if (future.isSuccess()) {
            metrics.frameOut();
        } else {
            metrics.frameDropped();
        }
    }

    /** The event loop is gone (transport closing): drop what waits, as a failed write would. */
    private void discardQueued() {
        drainScheduled.set(false);
        for (byte[] frame = queued.poll(); frame != null; frame = queued.poll()) {
            bytesQueued.addAndGet(-frame.length);
            framesPending.decrementAndGet();
            metrics.frameDropped();
        }
    }
}
