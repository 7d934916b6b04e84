package io.phalanx.runtime.transport;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Accepts a TLS peer only if its leaf certificate carries one of the public keys of a
 * {@link KnownPeers} directory. There is no certificate authority: every identity is pinned in
 * the cluster file. Possession of the matching private key is proven by the TLS handshake
 * itself (CertificateVerify), so the pinned key is all that needs checking here; validity dates
 * are deliberately ignored (a pinned key stays valid until the config drops it).
 *
 * <p>Which peer it is, and whether that peer may use this connection, is decided after the
 * handshake by the connection handler; this class only keeps strangers out of the handshake.
 */
final class PinnedTrustManager extends X509ExtendedTrustManager {
    private final KnownPeers peers;

    PinnedTrustManager(KnownPeers peers) {
        this.peers = peers;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate presented");
        }
        if (peers.identify(chain[0]).isEmpty()) {
            throw new CertificateException("certificate not in the cluster config: " + chain[0].getSubjectX500Principal());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
