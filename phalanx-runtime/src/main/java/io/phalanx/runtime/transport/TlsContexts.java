package io.phalanx.runtime.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.keys.PinnedTrustManager;

import javax.net.ssl.SSLException;

/**
 * Builds the TLS contexts every Phalanx connection uses: TLS 1.3 only, the JDK's SunJSSE
 * provider (no native code), mutual authentication with the node's Ed25519 key, and
 * {@link PinnedTrustManager} in place of a certificate authority.
 */
final class TlsContexts {
    static final String TLS_1_3 = "TLSv1.3";

    private TlsContexts() {
    }

    private static PinnedTrustManager pinned(KnownPeers peers) {
        return new PinnedTrustManager(certificate -> peers.identify(certificate).isPresent(), "the cluster config");
    }

    /** A server context that requires the client to present a certificate known to {@code peers}. */
    static SslContext server(NodeIdentity self, KnownPeers peers) throws SSLException {
        return SslContextBuilder.forServer(self.privateKey(), self.certificate())
                .sslProvider(SslProvider.JDK)
                .protocols(TLS_1_3)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(pinned(peers))
                .build();
    }

    /** A client context that presents our certificate and accepts only servers known to {@code peers}. */
    static SslContext client(NodeIdentity self, KnownPeers peers) throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(TLS_1_3)
                .keyManager(self.privateKey(), self.certificate())
                .trustManager(pinned(peers))
                // Peers are pinned by key, not by host name: the same replica may be reached
                // under any address the cluster file gives.
                .endpointIdentificationAlgorithm(null)
                .build();
    }
}
