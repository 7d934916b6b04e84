package io.phalanx.runtime.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.OptionalLong;

/**
 * The last handler of every connection's pipeline. It turns a finished TLS handshake into a
 * peer id (from the certificate, via {@link Connections#admit}), passes frames up with that
 * id, and decides what an error means: a bad frame or refused peer closes only this
 * connection with one WARN line; a reset connection is routine (DEBUG); only the unexpected
 * gets a stack trace.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final Connections connections;
    private final Long expectedPeer;
    private final Runnable onAdmitted;
    private long peerId = -1;
    private boolean admitted;

    /**
     * @param expectedPeer the id we dialled, or null on an accepted connection
     * @param onAdmitted   run once the peer is authenticated and registered (resets redial backoff)
     */
    ConnectionHandler(Connections connections, Long expectedPeer, Runnable onAdmitted) {
        this.connections = connections;
        this.expectedPeer = expectedPeer;
        this.onAdmitted = onAdmitted;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent)) {
            super.userEventTriggered(ctx, event);
            return;
        }
        SslHandshakeCompletionEvent handshake = (SslHandshakeCompletionEvent) event;
        if (!handshake.isSuccess()) {
            connections.refused(ctx.channel(), "TLS handshake failed: " + rootMessage(handshake.cause()));
            ctx.close();
            return;
        }
        String refusal = identifyAndAdmit(ctx);
        if (refusal != null) {
            connections.refused(ctx.channel(), refusal);
            ctx.close();
            return;
        }
        admitted = true;
        onAdmitted.run();
    }

    private String identifyAndAdmit(ChannelHandlerContext ctx) {
        Certificate[] chain;
        try {
            chain = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return "no peer certificate";
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
            return "no X.509 peer certificate";
        }
        OptionalLong id = connections.peers().identify((X509Certificate) chain[0]);
        if (id.isEmpty()) {
            return "certificate not in the cluster config";
        }
        peerId = id.getAsLong();
        return connections.admit(ctx.channel(), peerId, expectedPeer);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (admitted) {
            connections.frameIn(peerId, (byte[]) message);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (admitted) {
            admitted = false;
            connections.closed(ctx.channel(), peerId);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof BadFrameException) {
            connections.badFrame(ctx.channel(), peerId, cause.getMessage());
        } else if (cause instanceof FrameDecoder.IncompleteFrameException) {
            connections.incompleteFrame(ctx.channel(), peerId, cause.getMessage());
        } else if (!admitted) {
            // The handshake-completion event has already logged and counted the refusal.
            log.debug("error before authentication on {}: {}", ctx.channel(), rootMessage(cause));
        } else if (hasCause(cause, SSLException.class)) {
            // In TLS 1.3 a client finishes its handshake before the server has checked the
            // client's certificate, so a refusal by the peer arrives here, as an alert.
            connections.refused(ctx.channel(), "peer ended TLS: " + rootMessage(cause));
        } else if (cause instanceof IOException) {
            log.debug("connection with {} failed: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            log.warn("unexpected error on connection with {}; closing it", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    private static boolean hasCause(Throwable cause, Class<? extends Throwable> type) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
