package io.phalanx.runtime.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.TimeUnit;

/**
 * Network I/O threads (one Netty event loop each) that several transports can share: a
 * replica's mesh and client port, or many {@code Client}s in one load-generator process. Every
 * connection lives on one of these threads for its whole life; TLS, framing and decoding run
 * there. Sharing matters on small machines: each thread that wakes up for a message costs a
 * context switch, and with several JVMs per core a hand-off also waits in the run queue, so a
 * process gains nothing from more I/O threads than it has busy cores to give them.
 *
 * <p>Whoever creates it closes it, after the transports that use it.
 */
public final class NetworkThreads implements AutoCloseable {
    private static final long SHUTDOWN_QUIET_MS = 0;
    private static final long SHUTDOWN_TIMEOUT_MS = 2000;

    private final EventLoopGroup group;

    private NetworkThreads(EventLoopGroup group) {
        this.group = group;
    }

    /** Starts {@code threads} I/O threads named after {@code name}. */
    public static NetworkThreads start(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("at least one network thread is needed; got " + threads);
        }
        return new NetworkThreads(new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("phalanx-" + name.replace(' ', '-'), true), NioIoHandler.newFactory()));
    }

    EventLoopGroup group() {
        return group;
    }

    /**
     * One of the threads (round robin), for work that must stay on a single network thread:
     * a replica's protocol runs there, so frames of connections on that thread reach it without a
     * hand-off.
     */
    public EventExecutor next() {
        return group.next();
    }

    /**
     * Returns once every task queued so far on every thread has run: callbacks of channels
     * closed before the call (such as their inactive events) have then finished.
     */
    void quiesce() {
        for (EventExecutor executor : group) {
            if (!executor.isShuttingDown() && !executor.inEventLoop()) {
                executor.submit(() -> { }).awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
            }
        }
    }

    /** Stops the threads; connections still open on them are closed. */
    @Override
    public void close() {
        group.shutdownGracefully(SHUTDOWN_QUIET_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS * 2);
    }
}
