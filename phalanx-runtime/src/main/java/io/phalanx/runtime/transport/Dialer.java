package io.phalanx.runtime.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one outgoing connection alive: dial, and whenever the attempt fails or the connection
 * later closes, dial again after a delay that starts at {@code reconnectInitialMs}, doubles
 * after every attempt that did not reach an authenticated connection, and is capped at
 * {@code reconnectMaxMs}. Reaching an authenticated peer resets the delay.
 *
 * <p>So replicas start in any order: a peer not started yet refuses the connection, and one
 * whose host name does not resolve yet (a container or DNS record that comes up later) fails
 * the same way, as an attempt like any other; the name is looked up again at every attempt
 * (the JDK caches a failed lookup for {@code networkaddress.cache.negative.ttl}, 10 s by
 * default). A peer being down is expected, so failures are logged once per state change (INFO):
 * the first failure after start or after the connection was up, and again only when the
 * reason changes (e.g. from "does not resolve" to "refused"); every attempt logs at DEBUG.
 */
final class Dialer {
    private static final Logger log = LoggerFactory.getLogger(Dialer.class);

    private final NettyNode node;
    private final String name;
    private final String host;
    private final int port;
    private final long peerId;
    private final long initialDelayMs;
    private final long maxDelayMs;
    private long delayMs;
    private volatile boolean stopped;
    private volatile Channel channel;
    /** The kind of failure last logged, or null while connected or not yet failed; guarded by this. */
    private String failing;

    /** @param name the dialling transport in log lines, e.g. {@code "replica 2 mesh"} */
    Dialer(NettyNode node, String name, String host, int port, long peerId, long initialDelayMs, long maxDelayMs) {
        this.node = node;
        this.name = name;
        this.host = host;
        this.port = port;
        this.peerId = peerId;
        this.initialDelayMs = initialDelayMs;
        this.maxDelayMs = maxDelayMs;
        this.delayMs = initialDelayMs;
    }

    void start() {
        attempt();
    }

    private void attempt() {
        if (stopped) {
            return;
        }
        ChannelFuture connecting = node.connect(host, port, peerId, this::admitted);
        channel = connecting.channel();
        connecting.addListener((ChannelFuture done) -> {
            if (!done.isSuccess()) {
                failed(done.cause());
                retryLater();
            } else {
                done.channel().closeFuture().addListener(closed -> retryLater());
            }
        });
    }

    private void admitted() {
        synchronized (this) {
            delayMs = initialDelayMs;
            failing = null;
        }
    }

    private void failed(Throwable cause) {
        if (stopped) {
            return; // an attempt cut short by close() is no news
        }
        String kind = failureKind(cause);
        boolean changed;
        synchronized (this) {
            changed = !kind.equals(failing);
            failing = kind;
        }
        String reason = ConnectionHandler.rootMessage(cause);
        if (changed) {
            log.info("{}: cannot reach replica {} at {}:{} ({}: {}); retrying, at most {} ms apart", name, peerId, host, port,
                    kind, reason, maxDelayMs);
        } else {
            log.debug("{}: dial replica {} at {}:{} failed: {}", name, peerId, host, port, reason);
        }
    }

    /** A name for the reason an attempt failed: a change of it is worth a log line. */
    static String failureKind(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof UnknownHostException) {
            return "host name does not resolve";
        }
        if (root instanceof ConnectTimeoutException) { // a ConnectException too: checked first
            return "connect timed out";
        }
        if (root instanceof ConnectException) {
            return "connection refused";
        }
        return root.getClass().getSimpleName();
    }

    private void retryLater() {
        if (stopped) {
            return;
        }
        long wait;
        synchronized (this) {
            wait = delayMs;
            delayMs = Math.min(delayMs * 2, maxDelayMs);
        }
        try {
            node.group().schedule(this::attempt, wait, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            stopped = true;
        }
    }

    /** Stops redialling and closes the current connection, if any. */
    void stop() {
        stopped = true;
        Channel current = channel;
        if (current != null) {
            current.close();
        }
    }

    /**
     * Stops redialling but leaves the current connection open until either side closes it: a
     * replica that a view removes still needs the messages queued for it, and those that follow,
     * to decide the last instances of the view it belongs to, after which it stops by itself.
     */
    void retire() {
        stopped = true;
    }
}
