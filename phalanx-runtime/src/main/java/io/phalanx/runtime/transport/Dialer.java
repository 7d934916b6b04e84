package io.phalanx.runtime.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one outgoing connection alive: dial, and whenever the attempt fails or the connection
 * later closes, dial again after a delay that starts at {@code reconnectInitialMs}, doubles
 * after every attempt that did not reach an authenticated connection, and is capped at
 * {@code reconnectMaxMs}. Reaching an authenticated peer resets the delay. Failed attempts
 * log at DEBUG only: a peer being down is an expected condition, reported once (INFO) by
 * {@link Connections} when its connection goes.
 */
final class Dialer {
    private static final Logger log = LoggerFactory.getLogger(Dialer.class);

    private final NettyNode node;
    private final String host;
    private final int port;
    private final long peerId;
    private final long initialDelayMs;
    private final long maxDelayMs;
    private long delayMs;
    private volatile boolean stopped;
    private volatile Channel channel;

    Dialer(NettyNode node, String host, int port, long peerId, long initialDelayMs, long maxDelayMs) {
        this.node = node;
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
                log.debug("dial {} at {}:{} failed: {}", peerId, host, port, ConnectionHandler.rootMessage(done.cause()));
                retryLater();
            } else {
                done.channel().closeFuture().addListener(closed -> retryLater());
            }
        });
    }

    private void admitted() {
        synchronized (this) {
            delayMs = initialDelayMs;
        }
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
}
