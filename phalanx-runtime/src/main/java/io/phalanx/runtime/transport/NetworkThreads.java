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
    /** False for a view of one thread of another instance ({@link #one}): closing it is its owner's job. */
    private final boolean owner;

    private NetworkThreads(EventLoopGroup group, boolean owner) {
        this.group = group;
        this.owner = owner;
    }

    /**
     * Starts {@code threads} I/O threads named after {@code name}.
     *
     * @param name    the owner's name; thread names are {@code phalanx-<name>-...} with dashes for spaces
     * @param threads how many threads, at least 1
     * @return the threads, owned by the caller, who closes them
     * @throws IllegalArgumentException if {@code threads} is below 1
     */
    public static NetworkThreads start(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("at least one network thread is needed; got " + threads);
        }
        return new NetworkThreads(new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("phalanx-" + name.replace(' ', '-'), true), NioIoHandler.newFactory()), true);
    }

    /**
     * The event loops themselves, for a server of another protocol on the same threads (the admin port).
     *
     * @return the Netty event loop group
     */
    public EventLoopGroup group() {
        return group;
    }

    /**
     * One of these threads (round robin) as a set of its own, for work that must stay on a
     * single network thread together with some connections: a replica runs its protocol and its
     * mesh there, so replica messages reach the protocol without a hand-off while client
     * connections spread over all the threads. Closing the view does nothing; this instance's
     * owner closes the thread.
     *
     * @return a view of the next thread in turn
     */
    public NetworkThreads one() {
        return new NetworkThreads(group.next(), false);
    }

    /**
     * The first (for {@link #one()}: the only) thread, to run tasks on.
     *
     * @return that thread's executor
     */
    public EventExecutor executor() {
        return group.iterator().next();
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

    /** Stops the threads; connections still open on them are closed. Does nothing on a {@link #one()} view. */
    @Override
    public void close() {
        if (!owner) {
            return;
        }
        group.shutdownGracefully(SHUTDOWN_QUIET_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS * 2);
    }
}
