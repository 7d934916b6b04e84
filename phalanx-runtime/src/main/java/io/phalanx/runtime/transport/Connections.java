package io.phalanx.runtime.transport;

import io.netty.channel.Channel;
import io.phalanx.runtime.RateLimitedWarning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongFunction;

/**
 * The authenticated connections of one transport, one per peer id, and the rules for letting
 * a connection in; an admitted connection's sending side is registered in the transport's
 * {@link Outbox}. A peer's id comes only from its certificate (via {@link KnownPeers});
 * a dialled connection must reach exactly the peer we dialled, and an accepted one must pass
 * the owner's inbound rule (e.g. "only lower ids dial us"). When a peer connects again while
 * an older connection is still registered — typically after a restart we have not noticed
 * yet — the newer connection wins and the older one is closed.
 *
 * <p>Also the one place that logs connection events, so every transport logs them alike:
 * INFO for up/down, WARN without stack trace for refused peers and bad frames. Refused
 * connections and frames left incomplete are logged rate-limited ({@link RateLimitedWarning}:
 * the 1st, 2nd, 4th, 8th, ... occurrence), since a handshake flood or a peer that reconnects to
 * stall again would otherwise write a line each; the metrics count every one.
 */
final class Connections {
    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private final String name;
    private final String peerKind;
    private final KnownPeers peers;
    private final LongFunction<String> inboundRefusal;
    private final Outbox outbox;
    private final TransportMetrics metrics;
    private final PeerEvents events;
    /** Anyone can knock, so refusals before authentication are logged at a bounded rate (all counted). */
    private final RateLimitedWarning refusals = new RateLimitedWarning(log);
    private final RateLimitedWarning incompleteFrames = new RateLimitedWarning(log);
    private volatile boolean closed;

    /**
     * @param name           this transport in log lines, e.g. {@code "replica 2 mesh"}
     * @param peerKind       what peers are called in log lines ({@code "replica"}, {@code "client"})
     * @param inboundRefusal why an accepted connection from this id is refused, or null to admit it
     * @param outbox         where admitted connections are registered for sending, and counted; this
     *                       transport's alone
     */
    Connections(String name, String peerKind, KnownPeers peers, LongFunction<String> inboundRefusal, Outbox outbox,
                PeerEvents events) {
        outbox.attach(name);
        this.name = name;
        this.peerKind = peerKind;
        this.peers = peers;
        this.inboundRefusal = inboundRefusal;
        this.outbox = outbox;
        this.metrics = outbox.metrics();
        this.events = events;
    }

    KnownPeers peers() {
        return peers;
    }

    /**
     * Decides whether the authenticated peer {@code peerId} may use {@code channel}; registers
     * it if so. {@code expectedPeer} is the id we dialled, or null for an accepted connection.
     *
     * @return null if admitted, otherwise why not
     */
    String admit(Channel channel, long peerId, Long expectedPeer) {
        if (closed) {
            return "shutting down";
        }
        String refusal = expectedPeer != null
                ? (peerId == expectedPeer ? null : "presented the certificate of " + peerKind + " " + peerId
                        + " but we dialled " + peerKind + " " + expectedPeer)
                : inboundRefusal.apply(peerId);
        if (refusal != null) {
            return refusal;
        }
        OutboundLink previous = outbox.register(peerId, channel);
        metrics.connectionUp();
        if (previous != null) {
            log.info("{}: {} {} connected again from {}, replacing the older connection", name, peerKind, peerId,
                    channel.remoteAddress());
            previous.channel().close();
        } else {
            log.info("{}: {} {} up ({})", name, peerKind, peerId, channel.remoteAddress());
            events.onUp(peerId);
        }
        return null;
    }

    void refused(Channel channel, String reason) {
        if (closed) {
            log.debug("{}: dropped connection with {} while shutting down: {}", name, channel.remoteAddress(), reason);
            return;
        }
        metrics.rejectedHandshake();
        refusals.record("{}: refused connection with {}: {}", name, channel.remoteAddress(), reason);
    }

    /** Closing a connection whose peer left a frame incomplete for too long. */
    void incompleteFrame(Channel channel, long peerId, String reason) {
        metrics.incompleteFrame();
        incompleteFrames.record("{}: closing connection with {} {} ({}): {}", name, peerKind, peerId,
                channel.remoteAddress(), reason);
    }

    void badFrame(Channel channel, long peerId, String reason) {
        metrics.badFrame();
        log.warn("{}: closing connection with {} {} ({}): {}", name, peerKind, peerId, channel.remoteAddress(), reason);
    }

    void frameIn(long peerId, byte[] frame) {
        if (closed) {
            return;
        }
        metrics.frameIn();
        events.onFrame(peerId, frame);
    }

    /** An admitted channel closed; reports the peer down unless a newer connection replaced it. */
    void closed(Channel channel, long peerId) {
        metrics.connectionDown();
        if (outbox.unregister(peerId, channel) && !closed) {
            log.info("{}: {} {} down", name, peerKind, peerId);
            events.onDown(peerId);
        }
    }

    /** From now on nothing is admitted and no callback runs; closes every registered channel. */
    void close() {
        closed = true;
        outbox.closeAll();
    }
}
